import { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';

import { PpevalArgumentError, array, bcast, createPool, range, split } from 'ppeval';
import type { CallStats } from 'ppeval';
import { addScaled, lengthOf, square } from './fixtures/runtime/math.mjs';

const pool = createPool({ concurrency: 2 });
afterAll(() => pool.close());

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

class Celsius {
  constructor(readonly degrees: number) {}
  toKelvin(): number {
    return this.degrees + 273.15;
  }
}

describe('arguments that cannot be sent are refused before any work starts', () => {
  it.each([
    ['a function', () => 1, /Argument 3 of addScaled cannot be sent to a worker: it is a function/],
    ['a class instance', new Celsius(20), /Argument 3 .* is an instance of class Celsius/],
    ['a socket', new Socket(), /Argument 3 .* is an instance of class Socket/],
    ['an object with a method', { scale: 2, log() {} }, /Argument 3 .*`\.log` is a function/],
    ['a symbol', Symbol('s'), /Argument 3 .* is a symbol/],
  ])('%s', async (_, bad, message) => {
    let stats: CallStats | undefined;
    const error = await refusal(
      pool.ppeval.with({ onStats: (s) => (stats = s) })(addScaled, array([1]), 2, bad as never),
    );
    expect(error).toBeInstanceOf(PpevalArgumentError);
    expect(error.message).toMatch(message);
    expect(stats!.batches).toBe(0);
  });

  it('names the element of array() that cannot be sent', async () => {
    const error = await refusal(pool.ppeval(square, array([1, 2, (() => 3) as never])));
    expect(error.message).toMatch(/Element 2 of argument 1 of square \(array\(\.\.\.\)\)/);
  });
});

describe('distributed arguments', () => {
  it('refuses unequal lengths with a RangeError naming both arguments', async () => {
    const error = await refusal(pool.ppeval(addScaled, array([1, 2, 3]), split([1, 2]), 1));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(
      /argument 1 \(array\(\.\.\.\)\) has 3 elements, argument 2 \(split\(array, 0\)\) has 2/,
    );
    expect((error as RangeError & { code: string }).code).toBe('ERR_PPEVAL_ARGUMENT');
  });

  it('refuses a call with no distributed argument, with advice', async () => {
    const error = await refusal(pool.ppeval(square, 3));
    expect(error.message).toMatch(
      /got no distributed argument.*array\(items\) or split\(x, axis\)/,
    );
  });

  it('broadcasts arrays unless they are wrapped, and bcast() passes a whole DistArray', async () => {
    const sum = await pool.ppeval(addScaled, array([1, 2]), 10, bcast(3));
    expect(sum).toEqual([33, 36]);
    const lengths = await pool.ppeval(lengthOf, array(range(0, 3)), bcast(array([7, 8])));
    expect(lengths).toEqual([2, 2, 2]);
  });
});
