import { afterAll, describe, expect, it } from 'vitest';

import { array, createPool } from 'ppeval';
import {
  cachedTable,
  echoBroadcast,
  lastResultDetached,
  makeResult,
} from '../fixtures/runtime/workers.mjs';

// One worker, so that the second call looks at the worker that ran the first.
const pool = createPool({ concurrency: 1 });
afterAll(() => pool.close());

const moving = pool.ppeval.with({ transferResults: true });

async function sent(kind: string): Promise<{ value: unknown; detached: boolean }> {
  const [value] = await moving(makeResult, array([kind]));
  const [detached] = await pool.ppeval(lastResultDetached, array([0]));
  return { value, detached: detached! };
}

describe('transferResults: true moves typed arrays in results out of worker threads', () => {
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
    const results = await pool.ppeval.with({ chunkSize: 1, transferResults: true })(
      echoBroadcast,
      array([0, 1, 2]),
      {
        table,
        view,
      },
    );
    for (const r of results as { table: ArrayBuffer; view: DataView }[]) {
      expect(r.table.byteLength).toBe(65536);
      expect(new Uint8Array(r.table)[100]).toBe(5);
      expect(r.view.byteLength).toBe(8192);
    }
  });

  it('copies results from child processes as before', async () => {
    const processes = createPool({ concurrency: 1, runtime: 'processes' });
    try {
      const [value] = await processes.ppeval.with({ transferResults: true })(
        makeResult,
        array(['buffer']),
      );
      expect(Buffer.isBuffer(value)).toBe(true);
      const [detached] = await processes.ppeval(lastResultDetached, array([0]));
      expect(detached).toBe(false);
    } finally {
      await processes.close();
    }
  });
});

describe('results are copied by default', () => {
  it('leaves a returned buffer intact in the worker', async () => {
    const [value] = await pool.ppeval(makeResult, array(['float64']));
    const [detached] = await pool.ppeval(lastResultDetached, array([0]));
    expect(detached).toBe(false);
    expect((value as Float64Array).length).toBe(65536);
  });

  it('so that a function returning what it keeps (a cache) gives what a serial map gives', async () => {
    const xs = [0, 1, 2, 3, 4, 5];
    const serial = xs.map((k) => cachedTable(k));
    const parallel = await pool.ppeval.with({ chunkSize: 1 })(cachedTable, array(xs));
    expect(parallel).toEqual(serial);
    expect(parallel.map((t) => t.length)).toEqual(xs.map(() => 65536));
  });

  it('refuses a transferResults that is not a boolean', () => {
    expect(() => pool.ppeval.with({ transferResults: 'yes' as unknown as boolean })).toThrow(
      "Expected `transferResults` to be a boolean, got `'yes'` (string).",
    );
  });
});
