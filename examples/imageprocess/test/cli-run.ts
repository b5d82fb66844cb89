import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The built CLI, run as a user runs it (`npm test` builds first). */
export const cli = join(import.meta.dirname, '../dist/cli.js');

/** What a CLI run printed and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI in a child process. A run that outlives `killAfterMs` is killed and the
 * promise rejects, so that a hang fails the test without leaving the process behind (vitest's
 * own timeout would abandon the child, still running).
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  killAfterMs = 50_000,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, killAfterMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (killed) {
        reject(
          new Error(
            `imageprocess ${args.join(' ')} was still running after ${killAfterMs} ms and was killed (a hang)\nstdout: ${stdout}\nstderr: ${stderr}`,
          ),
        );
      } else {
        resolve({ code, stdout, stderr });
      }
    });
  });
}
