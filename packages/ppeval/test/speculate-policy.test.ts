import { describe, expect, it } from 'vitest';

import { MIN_STRAGGLER_MS, STRAGGLER_FACTOR, StragglerPolicy } from '../src/speculate.js';

describe('StragglerPolicy', () => {
  it('waits for data: no finished batch, no straggler', () => {
    const policy = new StragglerPolicy();
    expect(policy.choose([{ indices: [0], startedAt: 0 }], 1e9)).toBeUndefined();
  });

  it('takes the median per element, so one slow batch does not raise the bar', () => {
    const policy = new StragglerPolicy();
    policy.record(1, 50);
    policy.record(2, 100);
    policy.record(1, 5000);
    expect(policy.median).toBe(50);
  });

  it('copies the most overdue batch, scaled by its size, or says how long to wait', () => {
    const policy = new StragglerPolicy();
    for (let i = 0; i < 5; i++) policy.record(1, 50);
    const single = { indices: [3], startedAt: 1000 };
    const triple = { indices: [4, 5, 6], startedAt: 900 };
    // The single straggles at 1000 + 4 * 50; the triple at 900 + 4 * 150.
    expect(STRAGGLER_FACTOR * 50).toBeGreaterThan(MIN_STRAGGLER_MS);
    expect(policy.choose([single, triple], 1100)).toEqual({ waitMs: 100 });
    expect(policy.choose([single, triple], 1200)).toEqual({ copy: single });
    expect(policy.choose([triple], 1200)).toEqual({ waitMs: 300 });
    expect(policy.choose([triple], 1500)).toEqual({ copy: triple });
  });

  it('never calls a batch a straggler before the minimum time', () => {
    const policy = new StragglerPolicy();
    policy.record(1, 1);
    expect(policy.choose([{ indices: [0], startedAt: 0 }], MIN_STRAGGLER_MS - 1)).toEqual({
      waitMs: 1,
    });
  });
});
