import { afterAll, describe, expect, it } from 'vitest';

import { array, createPool } from 'ppeval';
import { echoBroadcast, lastResultDetached, makeResult } from '../fixtures/runtime/workers.mjs';

// One worker, so that the second call looks at the worker that ran the first.
const pool = createPool({ concurrency: 1 });
afterAll(() => pool.close());

async function sent(kind: string): Promise<{ value: unknown; detached: boolean }> {
  const [value] = await pool.ppeval(makeResult, array([kind]));
  const [detached] = await pool.ppeval(lastResultDetached, array([0]));
  return { value, detached: detached! };
}

describe('typed arrays in results come back from worker threads', () => {
  it('transferred, not copied, when the result owns its memory', async () => {
    const { value, detached } = await sent('float64');
    expect(detached).toBe(true);
    expect(value).toBeInstanceOf(Float64Array);
    expect((value as Float64Array).length).toBe(65536);
    expect((value as Float64Array).every((v) => v === 1.5)).toBe(true);
  });

  it('a transferred Buffer stays a Buffer', async () => {
    const { value, detached } = await sent('buffer');
    expect(detached).toBe(true);
    expect(Buffer.isBuffer(value)).toBe(true);
    expect((value as Buffer).equals(Buffer.alloc(65536, 7))).toBe(true);
  });

  it('copied when the view covers part of its buffer (a pooled Buffer, a slice)', async () => {
    const slice = await sent('slice');
    expect(slice.detached).toBe(false);
    expect(Buffer.isBuffer(slice.value)).toBe(true);
    expect((slice.value as Buffer).equals(Buffer.alloc(65536, 3))).toBe(true);
    const pooled = await sent('pooled');
    expect(pooled.detached).toBe(false);
    expect((pooled.value as Buffer).toString()).toBe('pooled');
  });

  it('one buffer reached twice in a result is transferred once, its views intact', async () => {
    const { value, detached } = await sent('twice');
    expect(detached).toBe(true);
    const { a, b, c } = value as { a: Uint8Array; b: Uint8Array; c: Uint8Array };
    expect(a).toBe(b);
    expect(c.buffer).toBe(a.buffer);
    expect(a.every((v) => v === 9)).toBe(true);
  });

  it('never transfers the broadcast arguments the worker keeps for later elements', async () => {
    const table = new ArrayBuffer(65536);
    new Uint8Array(table).fill(5);
    const view = new DataView(new ArrayBuffer(8192));
    const results = await pool.ppeval.with({ chunkSize: 1 })(echoBroadcast, array([0, 1, 2]), {
      table,
      view,
    });
    for (const r of results as { table: ArrayBuffer; view: DataView }[]) {
      expect(r.table.byteLength).toBe(65536);
      expect(new Uint8Array(r.table)[100]).toBe(5);
      expect(r.view.byteLength).toBe(8192);
    }
  });

  it('copies results from child processes as before', async () => {
    const processes = createPool({ concurrency: 1, runtime: 'processes' });
    try {
      const [value] = await processes.ppeval(makeResult, array(['buffer']));
      expect(Buffer.isBuffer(value)).toBe(true);
      const [detached] = await processes.ppeval(lastResultDetached, array([0]));
      expect(detached).toBe(false);
    } finally {
      await processes.close();
    }
  });
});
