/**
 * A test helper: an interpreter that behaves like `python` but cannot import SciPy (a stub
 * module that raises ModuleNotFoundError shadows it), to check the benchmarks' advice for a
 * Python without SciPy on machines that have SciPy installed.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Write `<dir>/python-without-scipy`, a shell script running `python` with SciPy hidden.
 *
 * @param python - the real interpreter
 * @param dir - a temporary folder of the test
 * @returns the script's path, to pass as --python
 * @example
 * const py = await withoutScipy('python3', tmp); // then: bench svd --python <py>
 */
export async function withoutScipy(python: string, dir: string): Promise<string> {
  const stubs = path.join(dir, 'hide-scipy');
  await mkdir(stubs, { recursive: true });
  await writeFile(
    path.join(stubs, 'scipy.py'),
    'raise ModuleNotFoundError("No module named \'scipy\' (hidden by the benchmark test)", name="scipy")\n',
  );
  const script = path.join(dir, 'python-without-scipy');
  const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
  await writeFile(
    script,
    `#!/bin/sh\nPYTHONPATH=${quote(stubs)}\${PYTHONPATH:+:$PYTHONPATH} exec ${quote(python)} "$@"\n`,
  );
  await chmod(script, 0o755);
  return script;
}
