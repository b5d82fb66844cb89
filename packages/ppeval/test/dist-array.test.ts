import { describe, expect, it } from 'vitest';

import { elementAccessor } from '../src/dist-array.js';
import { DistArray, array, bcast, range, split } from '../src/dist-array.js';
import { PpevalArgumentError } from '../src/errors.js';

function items<T>(dist: DistArray<T>, shared = false): unknown[] {
  const at = elementAccessor(dist as DistArray<unknown>, shared);
  return Array.from({ length: dist.length! }, (_, k) => at(k));
}

describe('array()', () => {
  it('reads arrays, typed arrays, Sets and Maps at once', () => {
    expect(items(array(new Set(['a', 'b'])))).toEqual(['a', 'b']);
    expect(items(array(new Map([['k', 1]])))).toEqual([['k', 1]]);
    expect(items(array(new Int8Array([3, 4])))).toEqual([3, 4]);
  });

  it('reads generators, iterators and async iterables lazily: no length, no read yet', () => {
    let reads = 0;
    function* gen(): Generator<number> {
      reads += 1;
      yield 1;
    }
    async function* agen(): AsyncGenerator<number> {
      yield 1;
    }
    for (const dist of [array(gen()), array(new Map([['k', 1]]).keys()), array(agen())]) {
      expect(dist.length).toBeUndefined();
    }
    expect(array(gen()).description).toBe('array(iterator)');
    expect(array(agen()).description).toBe('array(async iterable)');
    expect(reads).toBe(0);
  });

  it('refuses to broadcast a lazy input, which has no length yet', () => {
    function* gen(): Generator<number> {
      yield 1;
    }
    expect(() => bcast(array(gen()))).toThrow(/read lazily.*bcast\(items\)/s);
  });

  it('never splits a string or a number', () => {
    expect(() => array('abc')).toThrow(/strings are never split.*\[\.\.\.text\]/);
    expect(() => array(5 as never)).toThrow(
      /Expected array\(\) to get an iterable .* got `5` \(number\)/,
    );
    expect(() => split('abc' as never)).toThrow(PpevalArgumentError);
  });
});

describe('range()', () => {
  it('counts like Python', () => {
    expect(range(0, 4)).toEqual([0, 1, 2, 3]);
    expect(range(3)).toEqual([0, 1, 2]);
    expect(range(5, 0, -2)).toEqual([5, 3, 1]);
    expect(() => range(0, 3, 0)).toThrow(/`step` not to be 0/);
    expect(() => range(0, Infinity)).toThrow(/finite/);
  });
});

describe('split()', () => {
  it('splits an array of arrays along axis 0 (rows) and 1 (columns)', () => {
    const m = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    expect(items(split(m, 0))).toEqual(m);
    expect(items(split(m, 1))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(items(split(m, -1))).toEqual(items(split(m, 1)));
    expect(() => split(m, 2)).toThrow(/axis 2 .* has 2 axes: use an axis from -2 to 1/);
  });

  it('splits a typed array into its numbers', () => {
    expect(items(split(new Int16Array([7, 8, 9])))).toEqual([7, 8, 9]);
  });

  it('splits { data, shape } along axis 0 into views of the same memory', () => {
    const data = new Float64Array(new SharedArrayBuffer(6 * 8));
    data.set([0, 1, 2, 3, 4, 5]);
    const rows = items(split({ data, shape: [3, 2] }, 0), true) as {
      data: Float64Array;
      shape: number[];
    }[];
    expect(rows.map((r) => [...r.data])).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(rows[1]!.shape).toEqual([2]);
    expect(rows[1]!.data.buffer).toBe(data.buffer);
  });

  it('moves data into shared memory once for threads, and keeps it otherwise', () => {
    const data = Float64Array.from([0, 1, 2, 3]);
    const [sharedRow] = items(split({ data, shape: [2, 2] }), true) as { data: Float64Array }[];
    expect(sharedRow!.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    const [plainRow] = items(split({ data, shape: [2, 2] }), false) as { data: Float64Array }[];
    expect(plainRow!.data.buffer).toBe(data.buffer);
  });

  it('slices an RGB image (h x w x 3) into its colour bands', () => {
    // 2x2 pixels, channel c of pixel p = 10 * p + c.
    const data = Uint8Array.from({ length: 12 }, (_, i) => 10 * Math.floor(i / 3) + (i % 3));
    const bands = items(split({ data, shape: [2, 2, 3] }, 2)) as {
      data: Uint8Array;
      shape: number[];
    }[];
    expect(bands.map((b) => [...b.data])).toEqual([
      [0, 10, 20, 30],
      [1, 11, 21, 31],
      [2, 12, 22, 32],
    ]);
    expect(bands[0]!.shape).toEqual([2, 2]);
    expect(bands[0]!.data).toBeInstanceOf(Uint8Array);
  });

  it('checks the shape against the data', () => {
    expect(() => split({ data: new Float32Array(5), shape: [2, 3] })).toThrow(
      /shape \[2, 3\] holds 6 values, but data has 5/,
    );
  });
});

describe('bcast()', () => {
  it('wraps a value, and turns a DistArray into the array of its items', () => {
    expect(bcast([1, 2]).value).toEqual([1, 2]);
    expect(bcast(array(range(0, 3))).value).toEqual([0, 1, 2]);
  });
});
