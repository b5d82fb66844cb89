/**
 * The CLI's own behaviour, through the built file as a user runs it: usage errors, help, and a
 * sub-benchmark module that is missing or broken.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

function runCli(
  cli: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const cli = path.join(DIST, 'cli.js');
beforeAll(() => {
  if (!existsSync(cli))
    throw new Error(`${cli} is missing: build first (npm run build -w ppeval-benchmarks).`);
});

describe('usage errors exit with code 2 and say what to do', () => {
  it('an unknown sub-command, listing the valid ones', async () => {
    const run = await runCli(cli, ['nope']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Unknown sub-command `nope`.*scaling, overhead, svd, redis, all/);
  });

  it('--results-dir without a folder', async () => {
    const run = await runCli(cli, ['scaling', '--results-dir']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Expected a folder after --results-dir/);
  });

  it("a sub-command's option given to `all`", async () => {
    const run = await runCli(cli, ['all', '--rank', '20']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/`all` takes only --tiny and --results-dir.*--rank 20/);
  });

  it('an unknown option of a sub-command, without a stack trace', async () => {
    const run = await runCli(cli, ['scaling', '--rnak', '20', '--results-dir', os.tmpdir()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/scaling: Unknown option '--rnak'\. The scaling options are/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('--help', () => {
  it('lists every sub-command with its description', async () => {
    const run = await runCli(cli, ['--help']);
    expect(run.code).toBe(0);
    for (const name of ['scaling', 'overhead', 'svd', 'redis', 'all']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    expect(run.stdout).not.toMatch(/unavailable/);
  });

  it("shows a sub-command's own options", async () => {
    const run = await runCli(cli, ['scaling', '--help']);
    expect(run.code).toBe(0);
    for (const option of ['--images', '--count', '--rank', '--reps', '--warmup', '--workers']) {
      expect(run.stdout).toContain(option);
    }
  });

  it.each(['scaling', 'overhead', 'svd', 'redis'])(
    '%s: --help lists every option its parser accepts',
    async (name) => {
      // The refusal of an unknown option names the options the parser accepts.
      const refused = await runCli(cli, [name, '--no-such-option', '--results-dir', os.tmpdir()]);
      expect(refused.code).toBe(2);
      const accepted = /options are (.*) \(see/.exec(refused.stderr)?.[1]?.match(/--[a-z-]+/g);
      expect(accepted, refused.stderr).toBeDefined();
      const help = await runCli(cli, [name, '--help']);
      expect(help.code).toBe(0);
      const options = help.stdout.slice(help.stdout.indexOf('\nOptions:\n'));
      for (const option of accepted!) expect(options).toMatch(new RegExp(`^ +${option} `, 'm'));
    },
  );
});

describe('a missing or broken sub-benchmark module', () => {
  // A copy of dist/ in which svd.js is missing and redis.js throws on import.
  let copy = '';
  beforeAll(async () => {
    copy = await mkdtemp(path.join(os.tmpdir(), 'bench-cli-'));
    await cp(DIST, copy, { recursive: true });
    await rm(path.join(copy, 'svd.js'));
    await writeFile(path.join(copy, 'redis.js'), "throw new Error('broken on purpose');\n");
    // Imports of the copy must resolve the workspace's packages as the original does.
    await writeFile(path.join(copy, 'package.json'), '{ "type": "module" }\n');
    await symlink(
      fileURLToPath(new URL('../../node_modules', import.meta.url)),
      path.join(copy, 'node_modules'),
    );
  });
  afterAll(async () => {
    if (copy !== '') await rm(copy, { recursive: true, force: true });
  });

  it('is reported by name in --help while the others are listed', async () => {
    const run = await runCli(path.join(copy, 'cli.js'), ['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}svd +\(unavailable: .*svd\.js is not built/m);
    expect(run.stdout).toMatch(
      /^ {2}redis +\(unavailable: loading it failed: Error: broken on purpose/m,
    );
  });

  it('fails its own run with exit code 1 and a clear reason', async () => {
    const run = await runCli(path.join(copy, 'cli.js'), ['svd']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /svd: unavailable: .*svd\.js is not built: benchmarks\/src\/svd\.ts is missing/,
    );
  });
});

describe('Ctrl-C', () => {
  it('stops a running sub-benchmark at its next step, writes no results and exits with 130', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-cli-sigint-'));
    try {
      // Thousands of repetitions: minutes of work unless the interrupt stops it.
      const child = spawn(
        process.execPath,
        [cli, 'overhead', '--tiny', '--repeats', '5000', '--results-dir', dir],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      // The report's first line: the run has started (the SIGINT handler is installed).
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (d: Buffer) => d.toString().includes('## overhead') && resolve()),
      );
      child.kill('SIGINT');
      const code = await new Promise((resolve) => child.on('close', resolve));
      clearTimeout(timer);
      expect(code, stderr).toBe(130);
      expect(stderr).toMatch(/overhead: interrupted; no results written/);
      expect(existsSync(path.join(dir, 'overhead.json'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
