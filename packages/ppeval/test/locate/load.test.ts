import { execFile, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { gzipSync, gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

import { loadFunction } from '../../src/locate/load.js';
import { locateFunction } from '../../src/locate/locate.js';
import type { FunctionRef } from '../../src/locate/locate.js';
import cjsFunction from '../fixtures/locate/cjs-function.cjs';
import * as cjs from '../fixtures/locate/cjs.cjs';
import * as counted from '../fixtures/locate/counted.mjs';
import * as esm from '../fixtures/locate/esm.mjs';
import * as index from '../fixtures/locate/index.mjs';
import { wasLoading } from '../fixtures/locate/loading-probe.mjs';
import * as typed from '../fixtures/locate/typed.js';
import { quadruple } from '../fixtures/locate/wrapped.cjs';

// Workers load the built dist/load.js: run `npm run build -w ppeval` first (npm test does).
const runRef = new URL('../fixtures/locate/run-ref.mjs', import.meta.url);
const fixture = (name: string): string =>
  new URL(`../fixtures/locate/${name}`, import.meta.url).href;
const utif = createRequire(import.meta.url)('utif') as { decode: (buffer: ArrayBuffer) => unknown };

interface Reply {
  readonly values?: unknown[];
  readonly error?: { name: string; code?: string; message: string };
}

async function inWorker(refs: readonly FunctionRef[], args: readonly unknown[]): Promise<Reply> {
  const worker = new Worker(runRef, { workerData: { refs, args } });
  try {
    const [reply] = (await once(worker, 'message')) as [Reply];
    return reply;
  } finally {
    await worker.terminate();
  }
}

async function inChild(refs: readonly FunctionRef[], args: readonly unknown[]): Promise<Reply> {
  const child = fork(fileURLToPath(runRef), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  try {
    child.send({ refs, args });
    const [reply] = (await once(child, 'message')) as [Reply];
    return reply;
  } finally {
    child.kill();
    await exited;
  }
}

const runners = [
  ['a worker thread', inWorker],
  ['a child process', inChild],
] as const;

describe.each(runners)('locateFunction then loadFunction in %s', (_, run) => {
  it('runs ESM, CommonJS, TypeScript, re-exported and default exports as the caller would', async () => {
    const fns = [esm.add, index.plus, esm.default, cjs.mul, typed.norm] as const;
    const refs = await Promise.all(fns.map((fn) => locateFunction(fn)));
    // Every function takes (a, b); norm reads a point from its first argument.
    const a = { x: 3, y: 4 };
    const reply = await run(refs.slice(0, 4), [6, 7]);
    expect(reply.error).toBeUndefined();
    expect(reply.values).toEqual([esm.add(6, 7), index.plus(6, 7), esm.default(6), cjs.mul(6, 7)]);
    const typedReply = await run(refs.slice(4), [a]);
    expect(typedReply).toEqual({ values: [typed.norm(a)] });
  });

  it('runs module.exports, bound functions and a function exported away from its definition', async () => {
    const refs = await Promise.all([
      locateFunction(cjsFunction),
      locateFunction(esm.add.bind(null)),
      locateFunction(esm.addTen),
      locateFunction(quadruple),
    ]);
    const reply = await run(refs, [5, 1]);
    expect(reply).toEqual({ values: [cjsFunction(5), esm.add(5, 1), esm.addTen(5), quadruple(5)] });
  });

  it('runs a built-in (gzipSync from node:zlib) and an installed package (utif decode)', async () => {
    const gzip = await locateFunction(gzipSync);
    const reply = await run([gzip], ['ppeval '.repeat(50)]);
    expect(reply.error).toBeUndefined();
    const [bytes] = reply.values as [number[]];
    expect(gunzipSync(Buffer.from(bytes)).toString()).toBe('ppeval '.repeat(50));

    const decode = await locateFunction(utif.decode);
    // A little-endian TIFF whose one IFD holds one tag: ImageWidth (256), SHORT, 7.
    const tiff = [
      0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0, 1, 3, 0, 1, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0,
    ];
    const decoded = await run([decode], [tiff]);
    expect(decoded).toEqual({ values: [[{ t256: [7] }]] });
  });

  it('runs the explicit form', async () => {
    const ref = await locateFunction({
      module: new URL(fixture('cjs.cjs')),
      export: 'default.mul',
    });
    expect(await run([ref], [2, 21])).toEqual({ values: [42] });
  });

  it("tells a module's top level that loadFunction is importing it", async () => {
    const ref = await locateFunction(wasLoading);
    expect(await run([ref], [])).toEqual({ values: [[true, false]] });
  });

  it('imports a module once per worker and caches it', async () => {
    const refs = await Promise.all([
      locateFunction(counted.echo),
      locateFunction(counted.evaluations),
    ]);
    const reply = await run([refs[0]!, refs[1]!, refs[0]!, refs[1]!], [7]);
    expect(reply).toEqual({ values: [7, 1, 7, 1] });
  });
});

describe('loadFunction in this thread', () => {
  it('calls a nested export with its holder as `this`, as `Buffer.from(...)` would be', async () => {
    const from = await loadFunction({
      module: 'node:buffer',
      exportPath: ['Buffer', 'from'],
      name: 'from',
    });
    expect(from('ppeval')).toEqual(Buffer.from('ppeval'));
  });

  it('rejects a malformed reference', async () => {
    await expect(loadFunction({ module: 'node:zlib', exportPath: [], name: 'x' })).rejects.toThrow(
      /Expected a function reference .*got `\{ module: 'node:zlib', exportPath: \[\], name: 'x' \}` \(object\)/,
    );
    await expect(loadFunction(null as never)).rejects.toThrow(TypeError);
  });
});

describe('loadFunction errors', () => {
  it('says which export is missing', async () => {
    const ref = { module: fixture('esm.mjs'), exportPath: ['nope'], name: 'nope' };
    const reply = await inWorker([ref], []);
    expect(reply.error).toMatchObject({ name: 'LocateError', code: 'ERR_PPEVAL_LOCATE' });
    expect(reply.error?.message).toMatch(/no export `nope`/);
  });

  it('says when the export is not a function', async () => {
    const ref = { module: fixture('esm.mjs'), exportPath: ['counter'], name: 'counter' };
    const reply = await inWorker([ref], []);
    expect(reply.error?.message).toMatch(
      /`counter` is not a function there: got `Counter \{.*\}` \(Counter\)/,
    );
  });

  it('says when the module cannot be imported', async () => {
    const ref = { module: fixture('missing.mjs'), exportPath: ['f'], name: 'f' };
    const reply = await inWorker([ref], []);
    expect(reply.error?.message).toMatch(/could not import .*missing\.mjs/);
  });

  // A child process whose module hooks hide the tsx package.
  const withoutTsx = async (...args: string[]): Promise<unknown> => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [fileURLToPath(new URL('../fixtures/locate/no-tsx.mjs', import.meta.url)), ...args],
      { timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    return JSON.parse(stdout);
  };
  const needsTsx = {
    error: {
      name: 'LocateError',
      code: 'ERR_PPEVAL_LOCATE',
      message: expect.stringMatching(/is defined in a TypeScript module .*npm install -D tsx/),
    },
  };
  // Node strips types natively from 22.18 and 23.6 on (process.features.typescript): there a
  // worker imports erasable TypeScript without tsx; Node 20 cannot import .ts at all.
  const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);

  it.runIf(stripsTypes)(
    'imports erasable TypeScript without tsx where Node strips types natively (22.18+, 24, 26)',
    async () => {
      expect(await withoutTsx('typed.ts', 'norm')).toEqual({ loaded: true });
    },
  );

  it.skipIf(stripsTypes)(
    'says to install tsx when a TypeScript module arrives and Node cannot strip types (Node 20)',
    async () => {
      expect(await withoutTsx('typed.ts', 'norm')).toEqual(needsTsx);
    },
  );

  it('says to install tsx for syntax native type stripping refuses (an enum), on every version', async () => {
    expect(await withoutTsx('typed-enum.ts', 'pick')).toEqual(needsTsx);
  });
});
