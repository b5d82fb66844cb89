import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

// A user's program: imports the built package by its name, outside vitest.
const program = `
import * as api from 'ppeval';
import { gzipSync, gunzipSync } from 'node:zlib';
const { ppeval, array } = api;
const inputs = ['alpha', 'beta', 'gamma'].map((s) => Buffer.from(s.repeat(100)));
const zipped = await ppeval(gzipSync, array(inputs));
const back = zipped.map((z) => gunzipSync(z).toString().slice(0, 5));
console.log(JSON.stringify({ names: Object.keys(api).sort(), back }));
`;

describe("the built package, imported by its name 'ppeval'", () => {
  it('exports exactly the public API and runs a call in a plain Node program', () => {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', program], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const { names, back } = JSON.parse(child.stdout) as { names: string[]; back: string[] };
    expect(back).toEqual(['alpha', 'betab', 'gamma']);
    expect(names).toEqual(
      [
        'AbortError',
        'BackendError',
        'Broadcast',
        'DistArray',
        'ElementError',
        'ElementTimeoutError',
        'LocateError',
        'PoolClosedError',
        'PpevalArgumentError',
        'PpevalError',
        'TaskError',
        'WorkerExitError',
        'array',
        'bcast',
        'createPool',
        'ppeval',
        'range',
        'split',
      ].sort(),
    );
  });

  it('declares types, files and the supported Node versions in package.json', () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    expect(pkg['name']).toBe('ppeval');
    expect(pkg['type']).toBe('module');
    expect((pkg['exports'] as Record<string, { types: string }>)['.']!.types).toBe(
      './dist/index.d.ts',
    );
    expect(pkg['files']).toContain('dist');
    // What CI runs the suite under (.ci/run): 20.10+, 22, 24, 26; the same in every package.
    const supported = '^20.10.0 || ^22.0.0 || >=24.0.0';
    for (const file of [
      '../package.json',
      '../../../package.json',
      '../../../examples/imageprocess/package.json',
      '../../../benchmarks/package.json',
    ]) {
      const json = JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as {
        engines: { node: string };
      };
      expect({ file, node: json.engines.node }).toEqual({ file, node: supported });
    }
  });
});
