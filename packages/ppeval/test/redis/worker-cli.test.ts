import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { freePort, packageRoot, workerBin } from '../helpers/redis-server.js';

/** Runs `ppeval-worker` with args; resolves with its exit code and output. */
function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [workerBin, ...args], {
      cwd: packageRoot,
      env: { ...process.env, PPEVAL_REDIS_URL: '', ...env },
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('exit', (code) => resolve({ code, out, err }));
  });
}

// The built bin (dist/bin/ppeval-worker.js), as `npx ppeval-worker` runs it.
describe('ppeval-worker command line', () => {
  it('prints its usage with --help', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('Usage: ppeval-worker --redis URL');
    expect(out).toContain('--root DIR');
  });

  it('exits with code 2 and advice on bad usage', async () => {
    const missing = await run([]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--redis URL is required');
    const unknown = await run(['--threads', '4']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("Unknown option '--threads'");
    const bad = await run(['--redis', 'redis://h', '--concurrency', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("expected --concurrency to be an integer, got 'many'");
    const scheme = await run(['--redis', 'http://:pw@h']);
    expect(scheme.code).toBe(2);
    expect(scheme.err).toContain('redis:// or rediss://');
    expect(scheme.err).not.toContain(':pw@');
  });

  it('says where it could not connect, without the password', async () => {
    const port = await freePort();
    const { code, err } = await run([], { PPEVAL_REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` });
    expect(code).toBe(2);
    expect(err).toContain(`Could not connect to Redis at redis://***@127.0.0.1:${port}`);
    expect(err).toContain('ECONNREFUSED');
    expect(err).not.toContain('hunter2');
  });
});
