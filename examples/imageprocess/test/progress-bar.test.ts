import { describe, expect, it } from 'vitest';

import { duration, progressBar, timeLeft } from '../src/progress-bar.js';

describe('the progress bar', () => {
  it("shows ppeval's estimate of the time left", () => {
    expect(timeLeft({ elapsedMs: 2000, etaMs: 65_000, totalKnown: true })).toBe('eta 1m05s');
    expect(timeLeft({ elapsedMs: 2000, etaMs: 0, totalKnown: true })).toBe('eta 0s');
    expect(timeLeft({ elapsedMs: 10, etaMs: undefined, totalKnown: false })).toBe('eta ?');
    expect(timeLeft(undefined)).toBe('');
  });

  it('rounds durations up, to seconds, minutes or hours', () => {
    expect(duration(1)).toBe('1s');
    expect(duration(59_500)).toBe('1m00s');
    expect(duration(3_725_000)).toBe('1h02m');
  });

  it('draws nothing when stderr is not a terminal', () => {
    const bar = progressBar(10, 'compress');
    bar.update(3, 10, { elapsedMs: 5, etaMs: 12, totalKnown: true });
    bar.stop();
  });
});
