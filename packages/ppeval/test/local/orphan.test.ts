import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

import { childrenOf, running, until } from '../helpers/processes.js';

const script = fileURLToPath(new URL('../fixtures/runtime/orphan-script.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ppeval-orphan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Starts a program whose two child-process workers run elements that never end (busy as `mode`
 * says), kills it with SIGKILL once both run (or lets it call process.exit), and returns how
 * long its children outlived it.
 */
async function orphanLifetime(
  mode: 'spin' | 'sleep' | 'pending',
  end: 'kill' | 'exit' = 'kill',
): Promise<number> {
  const log = join(dir, `${mode}-${end}.log`);
  const caller = spawn(process.execPath, [script, mode, log, end], { stdio: 'ignore' });
  const exited = new Promise((resolve) => caller.once('exit', resolve));
  let workers: number[] = [];
  try {
    const started = await until(
      () => existsSync(log) && readFileSync(log, 'utf8').trim().split('\n').length >= 2,
      30_000,
    );
    expect(started, 'the workers never started their elements').toBe(true);
    workers = [
      ...new Set([
        ...readFileSync(log, 'utf8').trim().split('\n').map(Number),
        ...childrenOf(caller.pid!),
      ]),
    ];
    expect(workers.length).toBeGreaterThanOrEqual(2);
    if (end === 'exit') await exited;
    else caller.kill('SIGKILL');
    const killed = Date.now();
    const ended = await until(() => workers.every((pid) => !running(pid)), 5_000);
    expect(
      ended,
      `children left running 5 s after their caller ended: ${workers.filter(running).join(', ')}`,
    ).toBe(true);
    return Date.now() - killed;
  } finally {
    caller.kill('SIGKILL');
    for (const pid of workers) {
      if (running(pid)) process.kill(pid, 'SIGKILL');
    }
  }
}

describe.runIf(process.platform === 'linux')('a child process never outlives its caller', () => {
  it('while its element loops forever (its event loop blocked)', async () => {
    expect(await orphanLifetime('spin')).toBeLessThan(5_000);
  });

  it('while its element sleeps in a blocking wait', async () => {
    expect(await orphanLifetime('sleep')).toBeLessThan(5_000);
  });

  it('when the caller calls process.exit() while its element loops', async () => {
    expect(await orphanLifetime('spin', 'exit')).toBeLessThan(5_000);
  });

  it('while its element waits on a promise (its event loop free)', async () => {
    expect(await orphanLifetime('pending')).toBeLessThan(5_000);
  });
});
