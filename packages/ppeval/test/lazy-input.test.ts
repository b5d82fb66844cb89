import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

import { AbortError, PpevalArgumentError, TaskError, array, createPool } from 'ppeval';
import type { CallStats } from 'ppeval';
import { exitOnFirstRun, failAt } from './fixtures/runtime/failing.mjs';
import { addScaled, square } from './fixtures/runtime/math.mjs';
import { isBuffer } from './fixtures/runtime/values.mjs';
import { running, until } from './helpers/processes.js';

const pool = createPool({ concurrency: 2 });
afterAll(() => pool.close());

/** 0, 1, ..., n-1, counting in `reads` how many were read and whether it was closed. */
function* counting(n: number, reads: { count: number; closed?: boolean }): Generator<number> {
  try {
    for (let k = 0; k < n; k++) {
      reads.count += 1;
      yield k;
    }
  } finally {
    reads.closed = true;
  }
}

async function* asyncCounting(n: number): AsyncGenerator<number> {
  for (let k = 0; k < n; k++) {
    await Promise.resolve();
    yield k;
  }
}

const squares = (n: number): number[] => Array.from({ length: n }, (_, k) => k * k);

describe('lazy inputs give what an array gives', () => {
  it('resolves with every result in order, from a generator and an async generator', async () => {
    expect(await pool.ppeval(square, array(counting(2000, { count: 0 })))).toEqual(squares(2000));
    expect(await pool.ppeval(square, array(asyncCounting(500)))).toEqual(squares(500));
    expect(await pool.ppeval(square, array(counting(0, { count: 0 })))).toEqual([]);
  });

  it('zips lazy inputs with each other and with an array', async () => {
    const ys = Array.from({ length: 300 }, (_, k) => 2 * k);
    const expected = ys.map((y, x) => (x + y) * 10);
    expect(await pool.ppeval(addScaled, array(counting(300, { count: 0 })), array(ys), 10)).toEqual(
      expected,
    );
    expect(await pool.ppeval(addScaled, array(asyncCounting(300)), array(ys.values()), 10)).toEqual(
      expected,
    );
    expect(await pool.ppeval(addScaled, array(asyncCounting(300)), array(ys), 10)).toEqual(
      expected,
    );
  });

  it('reports the length found at the end in the call statistics', async () => {
    let stats: CallStats | undefined;
    await pool.ppeval.with({ onStats: (s) => (stats = s) })(square, array(asyncCounting(123)));
    expect(stats!.total).toBe(123);
    expect(stats!.elements).toBe(123);
  });

  it('checks values read from the input like array elements, and restores Buffers', async () => {
    function* withFunction(): Generator<unknown> {
      yield 1;
      yield 2;
      yield () => 3;
    }
    const error = await pool
      .ppeval(square, array(withFunction() as Generator<number>))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PpevalArgumentError);
    expect((error as Error).message).toMatch(
      /Element 2 of argument 1 of square \(array\(iterator\)\) cannot be sent to a worker: .*function/,
    );
    function* buffers(): Generator<Buffer> {
      yield Buffer.from('a');
      yield Buffer.from('b');
    }
    expect(await pool.ppeval(isBuffer, array(buffers()))).toEqual([true, true]);
  });

  it('keeps an element until its result is in: a retried element runs again', async () => {
    const counts = new Int32Array(new SharedArrayBuffer(4 * 6));
    const local = createPool({ concurrency: 2 });
    try {
      // Batches of 3: a lost batch runs again element by element, then each element retries.
      const results = await local.ppeval.with({ retries: 1, chunkSize: 3 })(
        exitOnFirstRun,
        array(asyncCounting(6)),
        counts,
      );
      expect(results).toEqual([0, 10, 20, 30, 40, 50]);
      expect([...counts]).toEqual([2, 2, 2, 2, 2, 2]);
    } finally {
      await local.close();
    }
  });

  it('refuses a generator that an earlier call read, and says how to fix it', async () => {
    const once = array(counting(3, { count: 0 }));
    await pool.ppeval(square, once);
    await expect(pool.ppeval(square, once)).rejects.toThrow(
      /already read by an earlier call.*new array\(\.\.\.\) for each call/,
    );
    // An iterable with a fresh iterator each time can be passed again.
    const again = array({ [Symbol.iterator]: () => [1, 2][Symbol.iterator]() });
    expect(await pool.ppeval(square, again)).toEqual([1, 4]);
    expect(await pool.ppeval(square, again)).toEqual([1, 4]);
  });
});

describe('lazy inputs with bounded memory', () => {
  it('reads a bounded number of elements ahead of a slow stream consumer', async () => {
    const reads = { count: 0 };
    let consumed = 0;
    let ahead = 0;
    const n = 20_000;
    const chunkSize = 50;
    for await (const item of pool.ppeval
      .with({ chunkSize })
      .stream(square, array(counting(n, reads)))) {
      void item;
      consumed += 1;
      ahead = Math.max(ahead, reads.count - consumed);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(consumed).toBe(n);
    // Batches in flight (twice the workers), one landing into a full buffer, the stream's
    // high-water mark: a few hundred elements, not the 20,000 an eager read holds.
    expect(ahead).toBeLessThanOrEqual(6 * chunkSize + 64);
  });

  it('stops reading when the stream loop is left early, and closes the input', async () => {
    const reads: { count: number; closed?: boolean } = { count: 0 };
    for await (const item of pool.stream(square, array(counting(1_000_000, reads)))) {
      void item;
      break;
    }
    expect(reads.closed).toBe(true);
    expect(reads.count).toBeLessThan(100_000);
  });
});

describe('lazy inputs that go wrong', () => {
  it('fails after the items already yielded when lengths differ, naming them', async () => {
    const seen: number[] = [];
    const consume = async (): Promise<void> => {
      for await (const { index } of pool.ppeval
        .with({ chunkSize: 1 })
        .stream(addScaled, array(counting(5, { count: 0 })), array([0, 1, 2, 3, 4, 5, 6]), 1)) {
        seen.push(index);
      }
    };
    const error = await consume().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PpevalArgumentError);
    expect((error as Error).message).toMatch(
      /differ in length: argument 1 \(array\(iterator\)\) ended after 5 elements, argument 2 \(array\(\.\.\.\)\) has 7 elements/,
    );
    expect(seen.length).toBeGreaterThan(0);
    const longerThanArray = pool.ppeval(
      addScaled,
      array(counting(4, { count: 0 })),
      array([0, 1, 2]),
      1,
    );
    await expect(longerThanArray).rejects.toThrow(
      /argument 1 \(array\(iterator\)\) has more than 3, argument 2 \(array\(\.\.\.\)\) has 3 elements/,
    );
    const longer = pool.ppeval(
      addScaled,
      array(asyncCounting(4)),
      array(counting(9, { count: 0 })),
      1,
    );
    await expect(longer).rejects.toThrow(
      /argument 1 \(array\(async iterable\)\) ended after 4 elements, argument 2 \(array\(iterator\)\) has more than 4/,
    );
  });

  it('fails with the error an input threw as cause, and stops there', async () => {
    const boom = new RangeError('disk gone');
    async function* throwsAt3(): AsyncGenerator<number> {
      yield 0;
      yield 1;
      yield 2;
      throw boom;
    }
    const error = await pool.ppeval(square, array(throwsAt3())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PpevalArgumentError);
    expect((error as Error).cause).toBe(boom);
    expect((error as Error).message).toMatch(
      /Argument 1 of square \(array\(async iterable\)\) threw while reading element 3: RangeError: disk gone/,
    );
  });

  it('closes the other inputs when an element fails', async () => {
    const reads: { count: number; closed?: boolean } = { count: 0 };
    const call = pool.ppeval.with({ chunkSize: 1 })(failAt, array(counting(1_000_000, reads)), 3);
    await expect(call).rejects.toBeInstanceOf(TaskError);
    expect(reads.closed).toBe(true);
    expect(reads.count).toBeLessThan(1000);
  });

  it("calls an async input's return() when aborted while its next() is pending", async () => {
    let returned = 0;
    let pendingNext!: () => void;
    const nextPending = new Promise<void>((resolve) => (pendingNext = resolve));
    let k = 0;
    const input: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          if (k < 3) return Promise.resolve({ done: false, value: k++ });
          pendingNext();
          return new Promise<IteratorResult<number>>(() => {});
        },
        return: () => {
          returned += 1;
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
    };
    const controller = new AbortController();
    const call = pool.ppeval.with({ signal: controller.signal })(square, array(input));
    await nextPending;
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(AbortError);
    expect(returned).toBe(1);
  });

  it('leaves no process behind: a program whose inputs failed exits by itself', async () => {
    const script = fileURLToPath(
      new URL('./fixtures/runtime/lazy-exit-script.mjs', import.meta.url),
    );
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    const seen = JSON.parse(child.stdout) as Record<string, unknown>;
    expect(seen['thrown']).toMatch(
      /^PpevalArgumentError: Argument 1 of slowEcho \(array\(async iterable\)\) threw while reading element 20: Error: input broke.*\(cause: input broke\)$/,
    );
    expect(seen['aborted']).toMatch(/^AbortError/);
    expect(seen['returned']).toBe(true);
    const workers = seen['workers'] as number[];
    expect(workers.length).toBeGreaterThan(0);
    expect(await until(() => workers.every((pid) => !running(pid)), 5000)).toBe(true);
  });
});
