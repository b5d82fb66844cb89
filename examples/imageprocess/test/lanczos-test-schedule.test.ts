import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { lowRankApproximationDetailed } from '../src/svd/index.js';
import { TestSchedule } from '../src/svd/lanczos.js';
import { PHOTOS, photoBand } from './svd-helpers.js';

describe('the stopping-test schedule', () => {
  it('starts at 1.5 k, and at rank + 2 for tiny ranks', () => {
    expect(new TestSchedule(100).first).toBe(150);
    expect(new TestSchedule(20).first).toBe(30);
    expect(new TestSchedule(3).first).toBe(5);
    expect(new TestSchedule(2).first).toBe(4);
  });

  it('waits k/10 steps (at least 2) until the residual shows a trend', () => {
    const schedule = new TestSchedule(100);
    expect(schedule.wait(125, 1e5)).toBe(10);
    // Rising: no trend to follow.
    expect(schedule.wait(135, 2e5)).toBe(10);
    expect(new TestSchedule(5).wait(7, 1e3)).toBe(2);
  });

  it('follows a geometric trend to the predicted distance (rounded down), at most k/5 and at least 1', () => {
    const schedule = new TestSchedule(200);
    schedule.wait(300, 1e6);
    // 1e6 -> 1e5 in 20 steps: 20 steps per decade, 100 to go; capped at k/5 = 40.
    expect(schedule.wait(320, 1e5)).toBe(40);
    // 1e5 -> 2e3 in 10 steps: 19.4 to go, rounded down (half of it, as this once waited, tested
    // again at 9 and then every step or two while the residual fell the last decades).
    expect(schedule.wait(330, 2e3)).toBe(19);
    // 2e3 -> 6 in 10 steps: 3.08 to go.
    expect(schedule.wait(340, 6)).toBe(3);
    // 6 -> 1.5 in 6 steps: well under two steps to go: the next step.
    expect(schedule.wait(346, 1.5)).toBe(1);
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
