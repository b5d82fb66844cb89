import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

import { packageRoot } from '../helpers/redis-server.js';

const run = promisify(execFile);
const repoRoot = join(packageRoot, '..', '..');
const env = { ...process.env, NODE_OPTIONS: '', NODE_PATH: '' };
const temp = mkdtempSync(join(tmpdir(), 'ppeval-bin-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** Runs a command, resolving with its exit code and output whether or not it failed. */
async function outcome(
  file: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    return { code: Number(e.code), stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('the ppeval-worker command', () => {
  it('is linked by npm in the workspace and runs from the repository root (npx ppeval-worker)', async () => {
    // The link must point at a file that exists before the build: npm links bins at `npm ci`.
    const linked = join(repoRoot, 'node_modules', '.bin', 'ppeval-worker');
    const result = await outcome(linked, ['--help'], repoRoot);
    expect(result).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Usage: ppeval-worker/),
    });
  });

  it('points its bin, in package.json and in the lockfile npm ci reads, at a file outside dist/', () => {
    // npm ci links bins from package-lock.json before anything is built.
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { bin?: Record<string, string> }>;
    };
    const target = pkg.bin['ppeval-worker']!;
    expect(target.replace(/^\.\//, '')).toBe(
      lock.packages['packages/ppeval']?.bin?.['ppeval-worker'],
    );
    expect(target).not.toMatch(/dist\//);
    expect(existsSync(join(packageRoot, target))).toBe(true);
  });

  it('says to run the build when dist/ is missing (a fresh clone before npm run build)', async () => {
    const copy = join(temp, 'unbuilt');
    mkdirSync(copy);
    cpSync(join(packageRoot, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(packageRoot, 'package.json'), join(copy, 'package.json'));
    const result = await outcome(process.execPath, [join(copy, 'bin', 'ppeval-worker.js')], copy);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not built .*Run `npm run build`/);
  });

  it('says to install bullmq and ioredis when they are missing, and exits 2 (no stack trace)', async () => {
    // A copy of the built package where no node_modules is above it: bullmq cannot resolve.
    const copy = join(temp, 'no-peers', 'ppeval');
    mkdirSync(copy, { recursive: true });
    for (const entry of ['bin', 'dist', 'package.json']) {
      cpSync(join(packageRoot, entry), join(copy, entry), { recursive: true });
    }
    const result = await outcome(
      process.execPath,
      [join(copy, 'bin', 'ppeval-worker.js'), '--redis', 'redis://127.0.0.1:1'],
      copy,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bullmq and ioredis.*npm install bullmq ioredis/);
    expect(result.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|\n\s+at /);
    // --help needs no peers.
    const help = await outcome(
      process.execPath,
      [join(copy, 'bin', 'ppeval-worker.js'), '--help'],
      copy,
    );
    expect(help.code).toBe(0);
  });
});
