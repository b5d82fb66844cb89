import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import type { TiffImage } from '../src/tiff/index.js';

/**
 * The exact result the original computed with NumPy: per colour band, the full SVD (ml-matrix
 * matched np.linalg.svd sample for sample on a 1064x1064 band), the top `rank` triplets rebuilt,
 * floored and clamped; alpha copied.
 */
export function oracleCompress(image: TiffImage, rank: number): TiffImage {
  const { width, height, channels, bitsPerSample, alpha, data } = image;
  const max = bitsPerSample === 8 ? 255 : 65535;
  const out = bitsPerSample === 8 ? new Uint8Array(data.length) : new Uint16Array(data.length);
  const bands = alpha ? channels - 1 : channels;
  for (let c = 0; c < bands; c++) {
    const a = new Matrix(height, width);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) a.set(y, x, data[(y * width + x) * channels + c]!);
    }
    const svd = new SingularValueDecomposition(a, { autoTranspose: true });
    const u = svd.leftSingularVectors;
    const v = svd.rightSingularVectors;
    const s = svd.diagonal;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        for (let k = 0; k < rank; k++) sum += u.get(y, k) * s[k]! * v.get(x, k);
        const f = Math.floor(sum);
        out[(y * width + x) * channels + c] = f < 0 ? 0 : f > max ? max : f;
      }
    }
  }
  if (alpha) for (let i = channels - 1; i < data.length; i += channels) out[i] = data[i]!;
  return { width, height, channels, bitsPerSample, alpha, data: out };
}

/** Share of equal samples and the largest difference between two sample arrays. */
export function agreement(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { equal: number; maxDiff: number } {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let equal = 0;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d === 0) equal++;
    else maxDiff = Math.max(maxDiff, d);
  }
  return { equal: equal / a.length, maxDiff };
}
