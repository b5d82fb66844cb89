import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

import { running } from '../helpers/processes.js';

const script = fileURLToPath(new URL('../fixtures/runtime/crash-blame-script.mjs', import.meta.url));

let seen: Record<string, unknown>;

/**
 * One program runs every case (see the script): it never closes its pools, so it must exit by
 * itself after the crashes, and leave no child process behind.
 */
beforeAll(async () => {
  const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
  expect(child.signal, `the program did not exit on its own: ${child.stderr}`).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  seen = JSON.parse(child.stdout) as Record<string, unknown>;
  const children = seen['children'] as number[];
  const end = Date.now() + 5_000;
  while (children.some(running) && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const left = children.filter(running);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  expect(left, 'worker processes left running after their caller exited').toEqual([]);
});

const faults = {
  unhandledRejectionAt: 'leaves a promise rejected with no handler',
  immediateThrowAt: 'leaves an immediate that throws',
  exitAt: 'calls process.exit',
} as const;

describe.each(['threads', 'processes'])(
  'a crash is blamed on the element that caused it (%s)',
  (runtime) => {
    describe.each(Object.entries(faults))('%s: element 5 %s', (name) => {
      // exitAt returns its element, the others twice their element.
      const value = (k: number): number => (name === 'exitAt' ? k : 2 * k);
      const expected = Array.from({ length: 10 }, (_, k) =>
        k === 5 ? 'WorkerExitError at 5' : value(k),
      );

      it.each(['auto', '1', '10'])(
        'settle, chunkSize %s: element 5 fails, the others are right',
        (size) => {
          expect(seen[`${runtime} ${name} settle chunkSize=${size}`]).toEqual(expected);
        },
      );

      it('fail fast names element 5', () => {
        expect(seen[`${runtime} ${name} fail fast`]).toMatch(
          new RegExp(`^WorkerExitError at 5: The worker running ${name}\\(element 5\\) died: `),
        );
      });

      it('with retries, element 5 runs again and still fails', () => {
        expect(seen[`${runtime} ${name} retries`]).toMatch(
          /^WorkerExitError at 5: .* It died on all 2 attempts\. [A-Z]/,
        );
      });
    });
  },
);
