import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { array, createPool, range } from 'ppeval';
import type { CallStats } from 'ppeval';
import { childrenOf, until } from './helpers/processes.js';
import { straggleOnce } from './fixtures/runtime/straggler.mjs';

const SLOW_MS = 8000;
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('speculate: true', () => {
  for (const runtime of ['threads', 'processes'] as const) {
    it(`does not let one 8 s straggler among 50 ms elements hold the call (${runtime})`, async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'ppeval-straggler-'));
      const pool = createPool({ concurrency: 2, runtime });
      let stats: CallStats | undefined;
      try {
        const started = Date.now();
        const results = await pool.ppeval.with({ speculate: true, onStats: (s) => (stats = s) })(
          straggleOnce,
          array(range(0, 24)),
          dir,
          5,
          50,
          SLOW_MS,
        );
        // Generous: the straggler alone takes 8 s; the copy ends the call far earlier.
        expect(Date.now() - started).toBeLessThan(SLOW_MS / 2);
        expect(results).toEqual(range(0, 24).map((k) => 2 * k));
        expect(readdirSync(dir)).toEqual(['5']);
        expect(stats!.speculated).toBeGreaterThanOrEqual(1);
        expect(stats!.speculationWins).toBeGreaterThanOrEqual(1);
        expect(stats!.elements).toBe(24);
      } finally {
        await pool.close();
      }
      // The stopped run's worker was terminated: nothing is left running.
      expect(await until(() => childrenOf(process.pid).length === 0, 5000)).toBe(true);
    });
  }

  it('copies a straggling batch as a whole', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ppeval-straggler-'));
    const pool = createPool({ concurrency: 2 });
    let stats: CallStats | undefined;
    try {
      const started = Date.now();
      const results = await pool.ppeval.with({
        speculate: true,
        chunkSize: 3,
        onStats: (s) => (stats = s),
      })(straggleOnce, array(range(0, 18)), dir, 7, 30, SLOW_MS);
      expect(Date.now() - started).toBeLessThan(SLOW_MS / 2);
      expect(results).toEqual(range(0, 18).map((k) => 2 * k));
      expect(stats!.speculated % 3).toBe(0);
      expect(stats!.speculationWins).toBeGreaterThanOrEqual(3);
    } finally {
      await pool.close();
    }
  });

  it('is off by default and refuses a non-boolean', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ppeval-straggler-'));
    const pool = createPool({ concurrency: 2 });
    let stats: CallStats | undefined;
    try {
      await pool.ppeval.with({ onStats: (s) => (stats = s) })(
        straggleOnce,
        array(range(0, 6)),
        dir,
        -1,
        10,
        10,
      );
      expect(stats!.speculated).toBe(0);
      expect(() => pool.ppeval.with({ speculate: 'yes' as unknown as boolean })).toThrow(
        "Expected `speculate` to be a boolean, got `'yes'` (string).",
      );
    } finally {
      await pool.close();
    }
  });
});
