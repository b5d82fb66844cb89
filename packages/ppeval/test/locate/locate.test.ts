import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import { LocateError, PpevalArgumentError } from '../../src/errors.js';
import { locateFunction } from '../../src/locate/locate.js';
import cjsFunction from '../fixtures/locate/cjs-function.cjs';
import * as cjs from '../fixtures/locate/cjs.cjs';
import * as esm from '../fixtures/locate/esm.mjs';
import * as index from '../fixtures/locate/index.mjs';
import * as typed from '../fixtures/locate/typed.js';
import { logged } from '../fixtures/locate/wrap.cjs';
import { quadruple } from '../fixtures/locate/wrapped.cjs';
import { quintuple } from '../fixtures/locate/wrapped-esm.mjs';
import { outcome as topLevelOutcome } from '../fixtures/locate/vitest-tla.mjs';

const fixture = (name: string): string =>
  new URL(`../fixtures/locate/${name}`, import.meta.url).href;
const utif = createRequire(import.meta.url)('utif') as { decode: (buffer: ArrayBuffer) => unknown };

/** Exported, but by the running test file: a worker importing it would run these tests. */
export function exportedByTest(x: number): number {
  return x;
}

/** Not exported: this test file is not a module a worker could import it from. */
function localHelper(x: number): number {
  return x;
}

async function refusal(target: Parameters<typeof locateFunction>[0]): Promise<LocateError> {
  const error: unknown = await locateFunction(target).then(
    (ref) => new Error(`expected a refusal, got ${JSON.stringify(ref)}`),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LocateError);
  return error as LocateError;
}

describe('locateFunction on exported functions', () => {
  it('finds an ESM named export, a default export and an exported arrow function', async () => {
    expect(await locateFunction(esm.add)).toEqual({
      module: fixture('esm.mjs'),
      exportPath: ['add'],
      name: 'add',
    });
    expect(await locateFunction(esm.default)).toEqual({
      module: fixture('esm.mjs'),
      exportPath: ['default'],
      name: 'double',
    });
    expect(await locateFunction(esm.increment)).toMatchObject({ exportPath: ['increment'] });
  });

  it('finds a re-exported function in its defining module, under the name it has there', async () => {
    expect(await locateFunction(index.plus)).toEqual({
      module: fixture('esm.mjs'),
      exportPath: ['add'],
      name: 'add',
    });
    expect(await locateFunction(index.mul)).toMatchObject({ module: fixture('cjs.cjs') });
  });

  it('reaches CommonJS exports through the namespace default (module.exports)', async () => {
    expect(await locateFunction(cjs.mul)).toEqual({
      module: fixture('cjs.cjs'),
      exportPath: ['default', 'mul'],
      name: 'mul',
    });
    expect(await locateFunction(cjsFunction)).toEqual({
      module: fixture('cjs-function.cjs'),
      exportPath: ['default'],
      name: 'triple',
    });
  });

  it('finds a TypeScript export evaluated by vitest at its .ts URL', async () => {
    expect(await locateFunction(typed.norm)).toEqual({
      module: fixture('typed.ts'),
      exportPath: ['norm'],
      name: 'norm',
    });
  });

  it('follows bound functions to their target, and finds an exported bound function itself', async () => {
    expect(await locateFunction(esm.add.bind(null))).toMatchObject({ exportPath: ['add'] });
    expect(await locateFunction(esm.add.bind(undefined).bind(null))).toMatchObject({
      exportPath: ['add'],
    });
    expect(await locateFunction(esm.addTen)).toMatchObject({ exportPath: ['addTen'] });
  });

  it('finds a function of an installed CommonJS package (utif decode as default.decode)', async () => {
    const ref = await locateFunction(utif.decode);
    expect(fileURLToPath(ref.module)).toBe(createRequire(import.meta.url).resolve('utif'));
    expect(ref.exportPath).toEqual(['default', 'decode']);
  });

  it('maps built-in functions to public node: modules, internal definitions included', async () => {
    expect(await locateFunction(gzipSync)).toEqual({
      module: 'node:zlib',
      exportPath: ['gzipSync'],
      name: 'gzipSync',
    });
    // Defined in node:internal/util/inspect and node:internal/crypto/random.
    expect(await locateFunction(inspect)).toMatchObject({
      module: 'node:util',
      exportPath: ['inspect'],
    });
    expect(await locateFunction(randomBytes)).toMatchObject({
      module: 'node:crypto',
      exportPath: ['randomBytes'],
    });
    expect(await locateFunction(Buffer.from)).toMatchObject({
      module: 'node:buffer',
      exportPath: ['Buffer', 'from'],
    });
  });

  it('finds a function made by a wrapper in one module and exported by another', async () => {
    expect(await locateFunction(quadruple)).toEqual({
      module: fixture('wrapped.cjs'),
      exportPath: ['default', 'quadruple'],
      name: 'quadruple',
    });
    expect(await locateFunction(quintuple)).toMatchObject({
      module: fixture('wrapped-esm.mjs'),
      exportPath: ['quintuple'],
    });
    const error = await refusal(logged((x: number) => x));
    expect(error.message).toMatch(
      /`wrapped`.*wrap\.cjs.*explicit form `\{ module, export \}` naming/,
    );
  });

  it('finds a function of a module loaded after earlier look-ups', async () => {
    await locateFunction(esm.add);
    const { late } = await import('../fixtures/locate/late.mjs');
    expect(await locateFunction(late)).toEqual({
      module: fixture('late.mjs'),
      exportPath: ['late'],
      name: 'late',
    });
  });

  it('caches the result per function', async () => {
    const first = await locateFunction(esm.add);
    expect(await locateFunction(esm.add)).toBe(first);
  });
});

describe('locateFunction refusals name the function and say how to fix it', () => {
  it('refuses a closure', async () => {
    const error = await refusal(esm.makeScaler(2));
    expect(error.functionName).toBe('scale');
    expect(error.code).toBe('ERR_PPEVAL_LOCATE');
    expect(error.message).toMatch(/`scale`.*does not export it \(defined at .*esm\.mjs:\d+:\d+\)/);
    expect(error.message).toMatch(/closure.*move it to the top level of a module, export it/);
  });

  it('refuses a local arrow function', async () => {
    const error = await refusal(esm.makeArrow());
    expect(error.message).toMatch(/`local`.*arrow function .*that its module does not export/);
    expect(error.message).toMatch(/export const local = /);
  });

  it('refuses a top-level function its module does not export', async () => {
    const error = await refusal(esm.reveal());
    expect(error.message).toMatch(/`hidden`.*does not export it.*add `export` to it/);
    expect((await refusal(localHelper)).message).toMatch(/`localHelper`.*locate\.test\.ts/);
  });

  it('refuses a function exported by the running test file', async () => {
    const error = await refusal(exportedByTest);
    expect(error.message).toMatch(/`exportedByTest`.*test file that is running.*locate\.test\.ts/);
    expect(error.message).toMatch(/module of its own \(a fixture next to the test\)/);
  });

  it('refuses a function whose module (evaluated by vitest) awaits it at top level', () => {
    expect(topLevelOutcome.error).toBeInstanceOf(LocateError);
    expect(topLevelOutcome.error?.message).toMatch(
      /`work`.*vitest-tla\.mjs\) is still being evaluated/,
    );
  });

  it('refuses a Proxy', async () => {
    expect((await refusal(new Proxy(esm.add, {}))).message).toMatch(/`add`.*is a Proxy/);
  });

  it('refuses methods and classes', async () => {
    const method = await refusal(esm.counter.count);
    expect(method.message).toMatch(/`count`.*is a method.*top-level `export function count/);
    const objectMethod = await refusal(esm.makeObject().twice);
    expect(objectMethod.message).toMatch(/`twice`.*is a method/);
    expect((await refusal(esm.Counter as never)).message).toMatch(/`Counter`.*is a class/);
    expect((await refusal(esm.Counter.bind(null) as never)).message).toMatch(/is a class/);
  });

  it('refuses a bound function that carries arguments or a this', async () => {
    const args = await refusal(esm.add.bind(null, 1));
    expect(args.message).toMatch(/bound arguments.*extra \(broadcast\) arguments/);
    const self = await refusal(esm.add.bind({ k: 1 }));
    expect(self.message).toMatch(/bound to an object/);
  });

  it('refuses native functions without a module', async () => {
    expect((await refusal(JSON.parse)).message).toMatch(/`parse`.*native function.*wrapper/);
    expect((await refusal(Math.max)).message).toMatch(/`max`.*native function/);
  });

  it('rejects (never throws) on a target that is not a function', async () => {
    const pending = locateFunction(42 as never);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toThrow(PpevalArgumentError);
    await expect(pending).rejects.toThrow(/got `42` \(number\)/);
    await expect(locateFunction(null as never)).rejects.toThrow(/\(null\)/);
  });
});

describe('locateFunction in the explicit form', () => {
  it('accepts a URL, a file: string, an absolute path, a built-in and a package name', async () => {
    const expected = { module: fixture('esm.mjs'), exportPath: ['add'], name: 'add' };
    expect(await locateFunction({ module: new URL(fixture('esm.mjs')), export: 'add' })).toEqual(
      expected,
    );
    expect(await locateFunction({ module: fixture('esm.mjs'), export: 'add' })).toEqual(expected);
    expect(
      await locateFunction({ module: fileURLToPath(fixture('esm.mjs')), export: 'add' }),
    ).toEqual(expected);
    expect(await locateFunction({ module: 'zlib', export: 'gzipSync' })).toEqual({
      module: 'node:zlib',
      exportPath: ['gzipSync'],
      name: 'gzipSync',
    });
    expect(await locateFunction({ module: 'utif', export: 'default.decode' })).toMatchObject({
      exportPath: ['default', 'decode'],
      name: 'default.decode',
    });
    expect(await locateFunction({ module: fixture('typed.ts'), export: 'norm' })).toMatchObject({
      exportPath: ['norm'],
    });
  });

  it('refuses a missing export, listing what the module exports or the default path', async () => {
    await expect(locateFunction({ module: fixture('esm.mjs'), export: 'nope' })).rejects.toThrow(
      /has no export `nope`\. The module exports: .*add/,
    );
  });

  it('refuses an export that is not a function, a missing file and a relative path', async () => {
    await expect(locateFunction({ module: fixture('esm.mjs'), export: 'counter' })).rejects.toThrow(
      /`counter` .* to be a function, got `Counter \{.*\}` \(Counter\)/,
    );
    await expect(locateFunction({ module: fixture('missing.mjs'), export: 'f' })).rejects.toThrow(
      LocateError,
    );
    await expect(locateFunction({ module: './esm.mjs', export: 'add' })).rejects.toThrow(
      /new URL\('\.\/esm\.mjs', import\.meta\.url\)/,
    );
    await expect(locateFunction({ module: 'node:no-such-module', export: 'f' })).rejects.toThrow(
      /`node:no-such-module` is not a Node built-in module/,
    );
    await expect(locateFunction({ module: 'no-such-package-here', export: 'f' })).rejects.toThrow(
      /Cannot resolve the package `no-such-package-here`/,
    );
  });

  it('validates its shape', async () => {
    await expect(
      locateFunction({ module: fixture('esm.mjs'), export: 'add', extra: 1 } as never),
    ).rejects.toThrow(PpevalArgumentError);
    await expect(locateFunction({ module: 42, export: 'add' } as never)).rejects.toThrow(
      /`module`.*got `42` \(number\)/,
    );
    await expect(locateFunction({ module: fixture('esm.mjs'), export: 'a..b' })).rejects.toThrow(
      /`export`.*got `'a\.\.b'` \(string\)/,
    );
  });
});

describe('locateFunction loaded outside vite (as from node_modules)', () => {
  // A user's ppeval lives in node_modules, which vitest leaves to Node's own loader: there
  // `import(url)` would give a second copy of the test's modules (or fail on .ts files).
  const nativeImport = createRequire(import.meta.url)('../fixtures/locate/native-import.cjs') as (
    specifier: string,
  ) => Promise<{ locateFunction: typeof locateFunction }>;
  const loadDist = (): Promise<{ locateFunction: typeof locateFunction }> =>
    nativeImport(new URL('../../dist/locate/locate.js', import.meta.url).href);

  it('finds the copies vitest evaluated, by identity', async () => {
    const dist = await loadDist();
    expect(dist.locateFunction).not.toBe(locateFunction);
    expect(await dist.locateFunction(esm.add)).toMatchObject({ exportPath: ['add'] });
    expect(await dist.locateFunction(typed.norm)).toMatchObject({
      module: fixture('typed.ts'),
      exportPath: ['norm'],
    });
    expect(await dist.locateFunction(cjs.mul)).toMatchObject({ exportPath: ['default', 'mul'] });
    await expect(dist.locateFunction(esm.makeScaler(1))).rejects.toThrow(/does not export/);
  });

  it('validates the explicit form against what Node itself imports', async () => {
    // Under vite, utif's namespace shows `decode` (interop); Node's own has only `default`.
    const dist = await loadDist();
    await expect(dist.locateFunction({ module: 'utif', export: 'decode' })).rejects.toThrow(
      /use export: 'default\.decode'/,
    );
  });
});
