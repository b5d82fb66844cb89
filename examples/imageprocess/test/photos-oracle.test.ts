import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compressImage } from '../src/compress.js';
import { readTiff } from '../src/tiff/index.js';
import type { TiffImage } from '../src/tiff/index.js';
import { agreement, oracleCompress } from './oracle.js';

// Real photographs (../shared/data beside the clone); a newcomer's clone has none.
const photos = join(import.meta.dirname, '../../../../shared/data/photos/extra');
const present = existsSync(photos);
if (!present) {
  console.warn(
    `photos-oracle.test.ts: SKIPPED, ${photos} is absent (real photographs are optional).`,
  );
}

function redBand(image: TiffImage): TiffImage {
  const data = new Uint8Array(image.width * image.height);
  for (let p = 0; p < data.length; p++) data[p] = image.data[p * image.channels]!;
  return {
    width: image.width,
    height: image.height,
    channels: 1,
    bitsPerSample: 8,
    alpha: false,
    data,
  };
}

describe.skipIf(!present)('compressImage on real photographs matches the exact result', () => {
  it('wide RGB photo (cat, 451x300) at rank 50: >= 99.9% equal, none more than 1 apart', async () => {
    const image = await readTiff(join(photos, 'extra_chelsea_cat_451x300.tif'));
    expect(image).toMatchObject({ width: 451, height: 300, channels: 3 });
    const { equal, maxDiff } = agreement(
      compressImage(image, 50).data,
      oracleCompress(image, 50).data,
    );
    expect(equal).toBeGreaterThanOrEqual(0.999);
    expect(maxDiff).toBeLessThanOrEqual(1);
  });

  it('tall photo (Grace Hopper, 512x600), one band at rank 50', async () => {
    const image = redBand(await readTiff(join(photos, 'extra_grace_hopper_512x600.tif')));
    expect(image).toMatchObject({ width: 512, height: 600 });
    const { equal, maxDiff } = agreement(
      compressImage(image, 50).data,
      oracleCompress(image, 50).data,
    );
    expect(equal).toBeGreaterThanOrEqual(0.999);
    expect(maxDiff).toBeLessThanOrEqual(1);
  });
});
