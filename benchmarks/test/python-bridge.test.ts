/**
 * The bridge to the benchmarks' Python script: choosing the interpreter, reading its greeting,
 * the missing-module advice, and a real start with an interpreter that cannot have SciPy (a stub
 * module shadows it), so the advice is checked on any machine that has python3 with NumPy.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  missingModulesMessage,
  openPython,
  parsePythonHello,
  pythonInterpreter,
} from '../src/python.js';
import type { PythonHello } from '../src/python.js';
import { withoutScipy } from './python-stub.js';

const hello: PythonHello = {
  python: '3.11.2',
  executable: '/usr/bin/python3',
  versions: { numpy: '1.24.2' },
  missing: ['scipy'],
};

describe('pythonInterpreter', () => {
  it('takes the option, then $PPEVAL_BENCH_PYTHON, then python3', () => {
    expect(pythonInterpreter('/opt/py', { PPEVAL_BENCH_PYTHON: '/usr/bin/python3' })).toBe(
      '/opt/py',
    );
    expect(pythonInterpreter(undefined, { PPEVAL_BENCH_PYTHON: '/usr/bin/python3' })).toBe(
      '/usr/bin/python3',
    );
    expect(pythonInterpreter(undefined, { PPEVAL_BENCH_PYTHON: ' ' })).toBe('python3');
    expect(pythonInterpreter('', {})).toBe('python3');
  });
});

describe('parsePythonHello', () => {
  it('reads the greeting', () => {
    expect(parsePythonHello(JSON.stringify({ ready: true, ...hello }))).toEqual(hello);
  });

  it.each(['Python 2.7.18', '{"ready": false}', '{"ready": true, "missing": "scipy"}'])(
    'refuses %j, quoting it',
    (line) => {
      expect(() => parsePythonHello(line)).toThrow(/Expected the Python script's greeting.*got/);
    },
  );
});

describe('missingModulesMessage', () => {
  it('names the module, the interpreter and the pip command', () => {
    expect(missingModulesMessage('python3', hello)).toBe(
      'python3 (/usr/bin/python3, Python 3.11.2) has no SciPy (module scipy): install it with `pip install scipy pillow`, or pass --python an interpreter that has it.',
    );
  });

  it('lists several, with their pip names', () => {
    const message = missingModulesMessage('py', { ...hello, missing: ['PIL', 'scipy'] });
    expect(message).toMatch(
      /has no Pillow \(module PIL\) and SciPy \(module scipy\): install them/,
    );
    expect(message).toMatch(/`pip install scipy pillow`/);
  });

  it('says nothing when nothing is missing', () => {
    expect(missingModulesMessage('python3', { ...hello, missing: [] })).toBeUndefined();
  });
});

describe('openPython', () => {
  it('reports an interpreter that does not exist, with the way out', async () => {
    const result = await openPython('/nonexistent/python3');
    expect('reason' in result && result.reason).toMatch(
      /\/nonexistent\/python3 could not start \(ENOENT\).*pip install numpy scipy pillow.*--python/,
    );
  });

  const python = pythonInterpreter(undefined);
  const hasNumpy = spawnSync(python, ['-c', 'import numpy, PIL'], { stdio: 'ignore' }).status === 0;
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bench-python-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasNumpy)(
    `finds SciPy missing in ${python} with SciPy hidden, and still runs NumPy's full SVD`,
    async () => {
      const stub = await withoutScipy(python, dir);
      const server = await openPython(stub);
      if (!('hello' in server)) throw new Error(server.reason);
      try {
        expect(server.hello.missing).toEqual(['scipy']);
        expect(server.hasScipy).toBe(false);
        expect(server.hasNumpy).toBe(true);
        await expect(
          server.compress('/nonexistent.tif', path.join(dir, 'out.tif'), 5, 'full'),
        ).rejects.toThrow(/Python failed on .*FileNotFoundError/);
      } finally {
        await server.close();
      }
    },
    30_000,
  );
});
