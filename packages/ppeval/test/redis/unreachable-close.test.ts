import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { freePort } from '../helpers/redis-server.js';

const script = fileURLToPath(new URL('../fixtures/redis/unreachable.mjs', import.meta.url));

describe('a Redis pool whose server was never reachable', () => {
  it('fails the call, settles close() at once, and lets the process exit by itself', async () => {
    // No redis-server needed: nothing listens on a free port.
    const port = await freePort();
    const child = spawn(process.execPath, [script, String(port)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const exited = once(child, 'exit');
    let out = '';
    const closedAt = await new Promise<number>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += String(d);
        if (out.includes('\n')) resolve(Date.now());
      });
    });
    const report = JSON.parse(out) as { name: string; failedMs: number; closeMs: number };
    const guard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code] = await exited;
    clearTimeout(guard);
    const exitMs = Date.now() - closedAt;
    expect(report.name).toBe('BackendError');
    // Was 5,000 ms for close() (a wait on Redis commands) and 2,000 ms more before the exit
    // (ioredis's disconnectTimeout on a socket that never connected).
    expect(report.closeMs).toBeLessThan(500);
    expect(exitMs).toBeLessThan(1500); // 2,000+ without the fix
    expect(code).toBe(0);
  });
});
