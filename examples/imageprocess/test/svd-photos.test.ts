import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lowRankApproximationDetailed } from '../src/svd/index.js';
import { PHOTOS, agreement, exactSvd, photoBand, rebuild, transpose } from './svd-helpers.js';

// Full 1064x1064 bands take ml-matrix about 18 s each, so the tests use crops; the benchmark
// (npm run bench -- svd) checks whole photographs against NumPy.
const CASES = [
  {
    file: 'photo01_flower_left.tif',
    channel: 1,
    crop: { x: 400, y: 300, width: 256, height: 192 },
  },
  {
    file: 'photo04_moon_surface.tif',
    channel: 0,
    crop: { x: 100, y: 700, width: 192, height: 256 },
  },
  {
    file: 'photo06_carina_nebula.tif',
    channel: 2,
    crop: { x: 500, y: 100, width: 240, height: 240 },
  },
  { file: 'extra/extra_chelsea_cat_451x300.tif', channel: 0, crop: undefined },
];

if (!existsSync(PHOTOS)) {
  console.warn(
    `svd-photos: skipped, ${PHOTOS} is absent (the shared test data lives beside the clone).`,
  );
}

describe.skipIf(!existsSync(PHOTOS))('agreement with the exact SVD on real photographs', () => {
  it.each(CASES)(
    '$file channel $channel, ranks 20, 50 and 100, and transposed',
    ({ file, channel, crop }) => {
      const { band, rows, cols } = photoBand(join(PHOTOS, file), channel, crop);
      for (const [a, r, c] of [
        [band, rows, cols],
        [transpose(band, rows, cols), cols, rows],
      ] as const) {
        const svd = exactSvd(a, r, c);
        for (const k of [20, 50, 100]) {
          const exact = rebuild(svd, r, c, k);
          for (const method of ['auto', 'lanczos', 'dense'] as const) {
            const details = lowRankApproximationDetailed(a, r, c, k, { method });
            const { equal, max } = agreement(details.output, exact);
            expect(equal, `${method} at rank ${k} on ${r}x${c}`).toBeGreaterThanOrEqual(0.999);
            expect(max, `${method} at rank ${k} on ${r}x${c}`).toBeLessThanOrEqual(1);
          }
        }
      }
    },
  );
});
