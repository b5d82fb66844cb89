import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../fixtures/runtime/exit-script.mjs', import.meta.url));

/**
 * Runs the script as its own program. It never closes a pool: it must exit by itself once its
 * work is done, or the 30 s limit kills it and the test fails.
 */
function run(mode: string): Record<string, unknown> {
  const child = spawnSync(process.execPath, [script, mode], { encoding: 'utf8', timeout: 30_000 });
  expect(child.signal, `the program did not exit on its own: ${child.stderr}`).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  // The library prints nothing: stdout is only the script's own line.
  expect(child.stdout.trim().split('\n')).toHaveLength(1);
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as Record<string, unknown>;
}

describe('the process exits on its own after ppeval', () => {
  it('after a call on the lazily created default pool', () => {
    expect(run('plain')).toEqual({ squares: [0, 1, 4, 9, 16, 25, 36, 49] });
  });

  it('with a child-process pool that is never closed', () => {
    expect(run('processes')).toEqual({ squares: [0, 1, 4, 9, 16, 25, 36, 49] });
  });

  it('after a crash, a timeout and an abort (no worker leaked)', () => {
    const seen = run('failures');
    expect(seen['crash']).toMatch(/^WorkerExitError/);
    expect(seen['timeout']).toMatch(/^ElementTimeoutError/);
    expect(seen['abort']).toMatch(/^AbortError/);
    expect(seen['processCrash']).toMatch(/^WorkerExitError/);
    expect(seen['processTimeout']).toMatch(/^ElementTimeoutError/);
  });
});
