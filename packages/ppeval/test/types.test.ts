import { describe, expectTypeOf, it } from 'vitest';

import { array, bcast, createPool, ppeval, split } from 'ppeval';
import type { NdArray, Settled, StreamItem } from 'ppeval';
import { label } from './fixtures/runtime/cjs-fns.cjs';
import { sliceInfo } from './fixtures/runtime/math.mjs';

// Checked by `npm run typecheck` (tsc), not at run time: the calls below never execute.
declare function compress(imno: number, rank: number): number;
declare function compressAsync(imno: number, rank: number): Promise<Uint8Array>;
declare function scaleBand(band: NdArray<Float64Array>, weights: number[]): number;

function typeChecks(): void {
  const i = array([0, 1, 2]);
  expectTypeOf(ppeval(compress, i, 50)).toEqualTypeOf<Promise<number[]>>();
  expectTypeOf(ppeval(compressAsync, i, 50)).toEqualTypeOf<Promise<Uint8Array[]>>();
  expectTypeOf(ppeval(label, i, bcast('n'))).toEqualTypeOf<Promise<string[]>>();
  const image = { data: new Float64Array(12), shape: [2, 2, 3] };
  expectTypeOf(ppeval(scaleBand, split(image, 2), [1, 2])).toEqualTypeOf<Promise<number[]>>();
  expectTypeOf(ppeval(sliceInfo, split(image, 0))).toEqualTypeOf<
    Promise<{ sum: number; shape: number[]; shared: boolean }[]>
  >();

  // @ts-expect-error a broadcast of the wrong type: rank is a number
  void ppeval(compress, i, '50');
  // @ts-expect-error a distributed array of the wrong element type
  void ppeval(compress, array(['a', 'b']), 50);
  // @ts-expect-error bcast of the wrong type
  void ppeval(compress, i, bcast([50]));
  // @ts-expect-error a missing argument
  void ppeval(compress, i);

  expectTypeOf(ppeval.with({ settle: true })(compress, i, 50)).toEqualTypeOf<
    Promise<Settled<number>[]>
  >();
  expectTypeOf(ppeval.with({ timeout: 5 })(compress, i, 50)).toEqualTypeOf<Promise<number[]>>();
  expectTypeOf(ppeval.stream(compress, i, 50)).toEqualTypeOf<
    AsyncIterableIterator<StreamItem<number>>
  >();
  const pool = createPool({ concurrency: 2 });
  expectTypeOf(pool.ppeval(compress, i, 50)).toEqualTypeOf<Promise<number[]>>();
  expectTypeOf(pool.stream(compress, i, 50)).toEqualTypeOf<
    AsyncIterableIterator<StreamItem<number>>
  >();
  // The explicit form is untyped unless told.
  expectTypeOf(ppeval<string>({ module: 'node:path', export: 'basename' }, i)).toEqualTypeOf<
    Promise<string[]>
  >();
}

describe('types', () => {
  it('are checked by tsc (npm run typecheck)', () => {
    expectTypeOf(typeChecks).toBeFunction();
  });
});
