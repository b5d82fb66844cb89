import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { BackendError, array, createPool, range } from 'ppeval';
import type { CallStats } from 'ppeval';
import { broadcastInfo } from './fixtures/runtime/math.mjs';

const threads = createPool({ concurrency: 2 });
const processes = createPool({ concurrency: 2, runtime: 'processes' });
afterAll(() => Promise.all([threads.close(), processes.close()]));

describe('broadcast arguments reach each worker once per call', () => {
  it('shares a 100 MB Float64Array with threads over 1,000 elements without copying it', async () => {
    const big = new Float64Array((100 * 1024 * 1024) / 8);
    for (let i = 0; i < 1000; i++) big[i] = i * 0.5;
    let stats: CallStats | undefined;
    const before = process.memoryUsage().arrayBuffers;
    const out = await threads.ppeval.with({ onStats: (s) => (stats = s) })(
      broadcastInfo,
      array(range(0, 1000)),
      big,
    );
    expect(out).toHaveLength(1000);
    expect(out.every((o) => o.shared && o.length === big.length)).toBe(true);
    expect(out.map((o) => o.at)).toEqual(range(0, 1000).map((k) => k * 0.5));
    // Each worker deserialized the broadcast once, not once per element or batch.
    expect(stats!.workers.length).toBeGreaterThan(0);
    for (const w of stats!.workers) expect(w.broadcastLoads).toBe(1);
    expect(stats!.batches).toBeGreaterThan(stats!.workers.length);
    // One shared copy at most was made on this side (100 MB), not one per element (100 GB).
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(250 * 1024 * 1024);
  });

  it('keeps a typed array already in shared memory in place: workers see later writes', async () => {
    const shared = new Float64Array(new SharedArrayBuffer(8 * 4));
    shared.set([1, 2, 3, 4]);
    const out = await threads.ppeval(broadcastInfo, array([0, 1, 2, 3]), shared);
    expect(out.map((o) => o.at)).toEqual([1, 2, 3, 4]);
    expect(out.every((o) => o.shared)).toBe(true);
  });

  it('sends a large broadcast to each child process once, through a temporary file', async () => {
    const big = new Float64Array((4 * 1024 * 1024) / 8).map((_, i) => i);
    let stats: CallStats | undefined;
    const out = await processes.ppeval.with({ onStats: (s) => (stats = s), chunkSize: 1 })(
      broadcastInfo,
      array(range(0, 40)),
      big,
    );
    expect(out.map((o) => o.at)).toEqual(range(0, 40));
    expect(stats!.batches).toBe(40);
    for (const w of stats!.workers) expect(w.broadcastLoads).toBe(1);
  });

  it('fails the call with advice, leaving no file, when the temporary file cannot be written', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'ppeval-test-'));
    const saved = process.env['TMPDIR'];
    // A missing directory: the write fails before any worker is involved.
    process.env['TMPDIR'] = path.join(parent, 'missing');
    try {
      const big = new Float64Array((1024 * 1024) / 8);
      const error: unknown = await processes
        .ppeval(broadcastInfo, array([0, 1]), big)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toMatch(
        /Could not write the broadcast arguments \(1048\d{3} bytes\).*ENOENT.*Point TMPDIR at a writable directory/,
      );
      expect(readdirSync(parent)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
      rmSync(parent, { recursive: true, force: true });
    }
    // The pool still works once the directory is writable again.
    const out = await processes.ppeval(broadcastInfo, array([0, 1]), new Float64Array(1 << 17));
    expect(out.map((o) => o.at)).toEqual([0, 0]);
  });

  it('sends a small broadcast inline to child processes', async () => {
    const small = new Float64Array([5, 6, 7]);
    const out = await processes.ppeval(broadcastInfo, array([0, 1, 2]), small);
    expect(out.map((o) => o.at)).toEqual([5, 6, 7]);
    expect(out.every((o) => !o.shared)).toBe(true);
  });
});
