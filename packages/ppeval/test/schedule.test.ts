import { describe, expect, it } from 'vitest';

import { BatchSizer, MAX_BATCH, TARGET_BATCH_MS } from '../src/schedule.js';

describe('BatchSizer', () => {
  it('sends single elements until a batch has been measured', () => {
    const sizer = new BatchSizer(2);
    expect(sizer.next(100_000)).toBe(1);
    expect(sizer.next(100_000)).toBe(1);
  });

  it('grows batches of cheap elements to about the target time', () => {
    const sizer = new BatchSizer(2);
    sizer.record(10, 0.01); // 1 us per element
    expect(sizer.next(1_000_000)).toBe(Math.min(MAX_BATCH, TARGET_BATCH_MS / 0.001));
  });

  it('keeps expensive elements one per batch', () => {
    const sizer = new BatchSizer(8);
    sizer.record(2, 100);
    expect(sizer.next(64)).toBe(1);
  });

  it('shrinks batches towards the end so that workers finish together', () => {
    const sizer = new BatchSizer(4);
    sizer.record(1000, 1); // 1 us per element: wants 10,000 per batch
    expect(sizer.next(800)).toBe(100); // 800 / (2 * 4)
    expect(sizer.next(8)).toBe(1);
    expect(sizer.next(0)).toBe(0);
  });

  it('uses a fixed chunk size when given one', () => {
    const sizer = new BatchSizer(2, 7);
    expect(sizer.next(100)).toBe(7);
    expect(sizer.next(3)).toBe(3);
  });
});
