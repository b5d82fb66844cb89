/**
 * The bridge to the Python side of the svd and scaling benchmarks: a long-lived
 * `benchmarks/python/svd-compress.py` process that does the same file-to-file compression with
 * Pillow and SciPy (or NumPy's full SVD), so that its runs can be interleaved with ours without
 * paying Python's start-up each time. When the interpreter or one of its modules is missing, the
 * benchmark gets a sentence to print (what is missing, how to install it) instead of a failure.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The script that runs in Python (tracked in the repository, next to src/). */
export const PYTHON_SCRIPT = fileURLToPath(new URL('../python/svd-compress.py', import.meta.url));

/** The environment variable that names the interpreter when `--python` does not. */
export const PYTHON_ENV = 'PPEVAL_BENCH_PYTHON';

/** The Python solvers the script knows: SciPy's svds with each back end, and NumPy's full SVD. */
export type PythonSolver = 'propack' | 'arpack' | 'full';

/** What the script reports when it starts. */
export interface PythonHello {
  /** Python's version, e.g. '3.11.7'. */
  readonly python: string;
  /** sys.executable: the interpreter that really ran (a shim resolves to it). */
  readonly executable: string;
  /** Versions of the modules found: numpy, pillow, scipy. */
  readonly versions: Readonly<Record<string, string>>;
  /** Import names of the modules that are missing: 'numpy', 'PIL', 'scipy'. */
  readonly missing: readonly string[];
}

/**
 * The interpreter to run: `--python`, else `$PPEVAL_BENCH_PYTHON`, else `python3` on the PATH.
 *
 * @param option - the sub-command's --python value, if given
 * @param env - the environment (process.env)
 * @example
 * pythonInterpreter(undefined, { PPEVAL_BENCH_PYTHON: '/usr/bin/python3' }); // '/usr/bin/python3'
 */
export function pythonInterpreter(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (option !== undefined && option.trim() !== '') return option;
  const fromEnv = env[PYTHON_ENV];
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : 'python3';
}

/**
 * Check the script's first line. Anything else than its greeting (a Python 2 interpreter, a
 * wrapper that prints first) is refused with the line that arrived.
 *
 * @param line - the first line the script printed
 * @example
 * parsePythonHello('{"ready":true,"python":"3.11.7","executable":"/usr/bin/python3","versions":{},"missing":["scipy"]}').missing; // ['scipy']
 */
export function parsePythonHello(line: string): PythonHello {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    value = undefined;
  }
  const v = value as Partial<PythonHello> & { ready?: unknown };
  if (
    typeof v !== 'object' ||
    v === null ||
    v.ready !== true ||
    typeof v.python !== 'string' ||
    typeof v.executable !== 'string' ||
    typeof v.versions !== 'object' ||
    v.versions === null ||
    !Array.isArray(v.missing) ||
    !v.missing.every((m) => typeof m === 'string')
  ) {
    throw new Error(
      `Expected the Python script's greeting (a JSON line with ready, python, executable, versions, missing), got ${JSON.stringify(line.slice(0, 200))}.`,
    );
  }
  return {
    python: v.python,
    executable: v.executable,
    versions: v.versions,
    missing: v.missing,
  };
}

const PIP_NAMES: Record<string, string> = { PIL: 'pillow', numpy: 'numpy', scipy: 'scipy' };
const DISPLAY_NAMES: Record<string, string> = { PIL: 'Pillow', numpy: 'NumPy', scipy: 'SciPy' };

/**
 * The sentence the report prints when modules are missing: which ones, which interpreter, and
 * the command that installs them.
 *
 * @param interpreter - as the user named it (`python3`)
 * @param hello - the script's greeting
 * @returns undefined when nothing is missing
 * @example
 * missingModulesMessage('python3', { ...hello, missing: ['scipy'] });
 * // 'python3 (/usr/bin/python3, Python 3.11.2) has no SciPy (module scipy): install it with `pip install scipy pillow`, or pass --python an interpreter that has it.'
 */
export function missingModulesMessage(interpreter: string, hello: PythonHello): string | undefined {
  if (hello.missing.length === 0) return undefined;
  const names = hello.missing.map((m) => `${DISPLAY_NAMES[m] ?? m} (module ${m})`);
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0];
  const pip = new Set(['scipy', 'pillow', ...hello.missing.map((m) => PIP_NAMES[m] ?? m)]);
  const it = hello.missing.length > 1 ? 'them' : 'it';
  return (
    `${interpreter} (${hello.executable}, Python ${hello.python}) has no ${list}: install ${it} with ` +
    `\`pip install ${[...pip].join(' ')}\`, or pass --python an interpreter that has ${it}.`
  );
}

/** A running Python server. */
export interface PythonServer {
  /** The interpreter as named (`python3`) and its greeting. */
  readonly interpreter: string;
  readonly hello: PythonHello;
  /** Whether SciPy's svds can run (NumPy, Pillow and SciPy all present). */
  readonly hasScipy: boolean;
  /** Whether NumPy's full SVD can run (NumPy and Pillow present). */
  readonly hasNumpy: boolean;
  /** One file to file: the wall time of the Python step in ms. */
  compress(input: string, output: string, rank: number, solver: PythonSolver): Promise<number>;
  /** multiprocessing.Pool(processes).map over the files, outputs `<i>.tif` in outDir: ms. */
  pool(
    inputs: readonly string[],
    outDir: string,
    rank: number,
    solver: PythonSolver,
    processes: number,
  ): Promise<number>;
  /** Stop the server and its pools. Idempotent. */
  close(): Promise<void>;
}

/** Why the Python side cannot run at all. */
export interface PythonUnavailable {
  readonly interpreter: string;
  readonly reason: string;
}

/**
 * Start the script with one BLAS/OpenMP thread per process (the comparison is one thread per
 * image on both sides) and wait for its greeting.
 *
 * @param interpreter - see {@link pythonInterpreter}
 * @returns the server, or why it could not start (no interpreter, a crash on start-up)
 * @example
 * const py = await openPython(pythonInterpreter(undefined));
 * if ('hello' in py) console.log(await py.compress('in.tif', 'out.tif', 50, 'propack'));
 */
export async function openPython(interpreter: string): Promise<PythonServer | PythonUnavailable> {
  const env = {
    ...process.env,
    OPENBLAS_NUM_THREADS: '1',
    OMP_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
    VECLIB_MAXIMUM_THREADS: '1',
    NUMEXPR_NUM_THREADS: '1',
    PYTHONUNBUFFERED: '1',
  };
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(interpreter, [PYTHON_SCRIPT], { env });
  } catch (err) {
    return { interpreter, reason: `${interpreter} could not start (${(err as Error).message})` };
  }
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const lines = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let ended = false;
  let exitNote = '';
  const finish = (): void => {
    ended = true;
    for (const w of waiting.splice(0)) w(undefined);
  };
  lines.on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else queue.push(line);
  });
  lines.on('close', finish);
  const spawnError = new Promise<Error | undefined>((resolve) => {
    child.on('error', (err) => {
      finish();
      resolve(err);
    });
    child.on('spawn', () => resolve(undefined));
  });
  child.on('exit', (code, signal) => {
    exitNote = signal ? `killed by ${signal}` : `exit code ${code}`;
  });
  const nextLine = (): Promise<string | undefined> => {
    const line = queue.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (ended) return Promise.resolve(undefined);
    return new Promise((resolve) => waiting.push(resolve));
  };
  const lastError = (): string =>
    stderr.trim().split('\n').filter(Boolean).at(-1) ?? (exitNote || 'no output');

  const failedToSpawn = await spawnError;
  if (failedToSpawn) {
    const code = (failedToSpawn as NodeJS.ErrnoException).code;
    return {
      interpreter,
      reason:
        `${interpreter} could not start (${code ?? failedToSpawn.message}): install Python 3 and ` +
        '`pip install numpy scipy pillow`, or pass --python (or $PPEVAL_BENCH_PYTHON) an interpreter that has them',
    };
  }
  const first = await nextLine();
  let hello: PythonHello;
  try {
    if (first === undefined)
      throw new Error(`${interpreter} ${PYTHON_SCRIPT} failed: ${lastError()}`);
    hello = parsePythonHello(first);
  } catch (err) {
    child.kill();
    return { interpreter, reason: (err as Error).message.replace(/\.$/, '') };
  }

  let chain: Promise<unknown> = Promise.resolve();
  const request = (body: Record<string, unknown>): Promise<number> => {
    const step = chain.then(async () => {
      if (ended) throw new Error(`The Python server (${interpreter}) has stopped: ${lastError()}.`);
      child.stdin.write(`${JSON.stringify(body)}\n`);
      const line = await nextLine();
      if (line === undefined) {
        throw new Error(
          `The Python server (${interpreter}) stopped during ${JSON.stringify(body)}: ${lastError()}.`,
        );
      }
      const reply = JSON.parse(line) as { ms?: unknown; error?: unknown };
      if (typeof reply.ms !== 'number') {
        throw new Error(
          `Python failed on ${JSON.stringify(body)}: ${String(reply.error ?? line)}.`,
        );
      }
      return reply.ms;
    });
    chain = step.catch(() => undefined);
    return step;
  };
  let closed: Promise<void> | undefined;
  const missing = new Set(hello.missing);
  return {
    interpreter,
    hello,
    hasNumpy: !missing.has('numpy') && !missing.has('PIL'),
    hasScipy: missing.size === 0,
    compress: (input, output, rank, solver) =>
      request({ op: 'compress', input, output, rank, solver }),
    pool: (inputs, outDir, rank, solver, processes) =>
      request({ op: 'pool', inputs, outdir: outDir, rank, solver, processes }),
    close() {
      closed ??= new Promise<void>((resolve) => {
        if (ended || child.exitCode !== null) {
          resolve();
          return;
        }
        // A pool that does not stop in time must not hold the benchmark: kill it.
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        child.stdin.end(`${JSON.stringify({ op: 'quit' })}\n`);
      });
      return closed;
    },
  };
}
