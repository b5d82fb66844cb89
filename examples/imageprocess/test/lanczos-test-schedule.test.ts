import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { lowRankApproximationDetailed } from '../src/svd/index.js';
import { TestSchedule } from '../src/svd/lanczos.js';
import { PHOTOS, photoBand } from './svd-helpers.js';

describe('the stopping-test schedule', () => {
  it('starts at 1.25 k, and at rank + 2 for tiny ranks', () => {
    expect(new TestSchedule(100).first).toBe(125);
    expect(new TestSchedule(20).first).toBe(25);
    expect(new TestSchedule(2).first).toBe(4);
  });

  it('waits k/10 steps (at least 2) until the residual shows a trend', () => {
    const schedule = new TestSchedule(100);
    expect(schedule.wait(125, 1e5)).toBe(10);
    // Rising: no trend to follow.
    expect(schedule.wait(135, 2e5)).toBe(10);
    expect(new TestSchedule(5).wait(7, 1e3)).toBe(2);
  });

  it('follows a geometric trend to the predicted distance (rounded down), at most k/10 and at least 1', () => {
    const schedule = new TestSchedule(200);
    schedule.wait(250, 1e6);
    // 1e6 -> 1e4 in 20 steps: 10 steps per decade, 40 to go; capped at k/10 = 20.
    expect(schedule.wait(270, 1e4)).toBe(20);
    // 1e4 -> 1e2 in 10 steps: 5 steps per decade, 10 to go (half of it, as this once waited,
    // tested again at 5 and then every step or two while the residual fell the last decades).
    expect(schedule.wait(280, 1e2)).toBe(10);
    // 1e2 -> 6 in 10 steps: 6.4 to go, rounded down.
    expect(schedule.wait(290, 6)).toBe(6);
    // 6 -> 1.5 in 6 steps: well under one step to go: the next step.
    expect(schedule.wait(296, 1.5)).toBe(1);
  });
});

const photo = `${PHOTOS}photo01_flower_left.tif`;
describe.skipIf(!existsSync(photo))('where Lanczos stops on a photograph', () => {
  it('stops below the old first test at 1.8 k, where a test every step would', () => {
    // A 300x300 crop at rank 40: a test after every step stops at 70 (measured when this
    // schedule was written), as this one does; the old schedule could not stop before 72.
    const { band, rows, cols } = photoBand(photo, 0, { x: 300, y: 300, width: 300, height: 300 });
    const { krylovDimension, method } = lowRankApproximationDetailed(band, rows, cols, 40);
    expect(method).toBe('lanczos');
    expect(krylovDimension).toBeLessThan(72);
  });
});
