import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../fixtures/runtime/node-flags-script.mjs', import.meta.url));

interface Seen {
  readonly heapLimitMb: number[] | number;
  readonly depth: number[] | number;
  readonly gc: boolean[] | boolean;
}

interface Outcome {
  readonly threads: Seen;
  readonly processes: Seen;
  readonly caller: Seen;
  readonly heapLimitOption: string;
}

/**
 * Runs the script as its own program under `flags`, as `node <flags> app.js`. It calls ppeval
 * on threads and processes and never closes its pools: it must succeed and exit by itself.
 */
function run(flags: string[]): Outcome {
  const child = spawnSync(process.execPath, [...flags, script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(child.signal, `the program did not exit on its own: ${child.stderr}`).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as Outcome;
}

describe("the caller's Node flags", () => {
  it('--max-old-space-size: threads and processes get the same heap limit as the caller', () => {
    const seen = run(['--max-old-space-size=1536', '--max-semi-space-size=8']);
    // 1536 MB of old generation plus three 8 MB semi-spaces, as in the caller.
    expect(seen.caller.heapLimitMb).toBe(1560);
    expect(seen.threads.heapLimitMb).toEqual([1560, 1560]);
    expect(seen.processes.heapLimitMb).toEqual([1560, 1560]);
    // V8 would apply the flag over a thread's resourceLimits: a different one is refused.
    expect(seen.heapLimitOption).toBe('PpevalArgumentError');
  });

  it('--stack-size: workers recurse at least as deep as the caller', () => {
    const seen = run(['--stack-size=7000']);
    const callerDepth = seen.caller.depth as number;
    for (const depth of [
      ...(seen.threads.depth as number[]),
      ...(seen.processes.depth as number[]),
    ]) {
      // Frames differ slightly between the caller's stack and a worker's: 1% is plenty.
      expect(depth).toBeGreaterThan(callerDepth * 0.99);
    }
  });

  it('a small --stack-size never makes a thread shallower than its default', () => {
    const plain = run([]);
    const small = run(['--stack-size=500']);
    const plainDepth = Math.min(...(plain.threads.depth as number[]));
    for (const depth of small.threads.depth as number[]) {
      expect(depth).toBeGreaterThan(plainDepth * 0.99);
    }
  });

  it('--expose-gc: threads and processes have gc() as the caller has', () => {
    const seen = run(['--expose-gc']);
    expect(seen.caller.gc).toBe(true);
    expect(seen.processes.gc).toEqual([true, true]);
    // Node refuses the flag for a thread, but V8's flags hold for the whole process.
    expect(seen.threads.gc).toEqual([true, true]);
  });
});
