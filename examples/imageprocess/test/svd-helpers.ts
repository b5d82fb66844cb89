// Shared by the svd-*.test.ts files: matrices with known spectra, the exact reference, photo
// crops read straight through utif (independent of the package's own TIFF layer), agreement.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';

/** ../shared/data/photos from the repository root. */
export const PHOTOS = fileURLToPath(new URL('../../../../shared/data/photos/', import.meta.url));

/** Deterministic uniform numbers in [0, 1). */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Q (rows x cols, rows >= cols) with orthonormal columns, from Gram-Schmidt on random data. */
function orthonormalColumns(rows: number, cols: number, next: () => number): number[][] {
  const q: number[][] = [];
  for (let j = 0; j < cols; j++) {
    const v = Array.from({ length: rows }, () => next() - 0.5);
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        const d = u.reduce((s, x, i) => s + x * v[i]!, 0);
        for (let i = 0; i < rows; i++) v[i]! -= d * u[i]!;
      }
    }
    const norm = Math.hypot(...v);
    q.push(v.map((x) => x / norm));
  }
  return q;
}

/** U diag(sigma) Vᵀ with random orthonormal U, V: a rows x cols matrix with that exact spectrum. */
export function withSpectrum(
  rows: number,
  cols: number,
  sigma: number[],
  seed: number,
): Float64Array {
  const next = random(seed);
  const u = orthonormalColumns(rows, sigma.length, next);
  const v = orthonormalColumns(cols, sigma.length, next);
  const a = new Float64Array(rows * cols);
  sigma.forEach((s, k) => {
    for (let i = 0; i < rows; i++) {
      const us = u[k]![i]! * s;
      for (let j = 0; j < cols; j++) a[i * cols + j]! += us * v[k]![j]!;
    }
  });
  return a;
}

/** Integer samples 0..255 of white noise: the flattest spectrum an image can have. */
export function noiseImage(rows: number, cols: number, seed: number): Float64Array {
  const next = random(seed);
  return Float64Array.from({ length: rows * cols }, () => Math.floor(next() * 256));
}

/** ml-matrix's full SVD, kept so that several ranks can be rebuilt from one decomposition. */
export function exactSvd(a: Float64Array, rows: number, cols: number): SingularValueDecomposition {
  return new SingularValueDecomposition(Matrix.from1DArray(rows, cols, a), { autoTranspose: true });
}

/** The rank-k rebuild from a full SVD. */
export function rebuild(
  svd: SingularValueDecomposition,
  rows: number,
  cols: number,
  k: number,
): Float64Array {
  const u = svd.leftSingularVectors;
  const v = svd.rightSingularVectors;
  const out = new Float64Array(rows * cols);
  for (let p = 0; p < k; p++) {
    const s = svd.diagonal[p]!;
    for (let i = 0; i < rows; i++) {
      const us = u.get(i, p) * s;
      for (let j = 0; j < cols; j++) out[i * cols + j]! += us * v.get(j, p);
    }
  }
  return out;
}

/** Share of equal samples and the largest difference after floor and clamp to 0..255. */
export function agreement(a: Float64Array, b: Float64Array): { equal: number; max: number } {
  let equal = 0;
  let max = 0;
  const pixel = (x: number): number => Math.min(255, Math.max(0, Math.floor(x)));
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(pixel(a[i]!) - pixel(b[i]!));
    if (d === 0) equal++;
    max = Math.max(max, d);
  }
  return { equal: equal / a.length, max };
}

export function frobenius(a: Float64Array, b?: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - (b ? b[i]! : 0)) ** 2;
  return Math.sqrt(s);
}

export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

interface UtifIfd {
  width: number;
  height: number;
  data: Uint8Array;
  t277?: number[];
}
const utif = createRequire(import.meta.url)('utif') as {
  decode(buffer: Uint8Array): UtifIfd[];
  decodeImage(buffer: Uint8Array, ifd: UtifIfd): void;
};

/** One colour band of an uncompressed 8-bit photo, cropped, as float64 samples. */
export function photoBand(
  file: string,
  channel: number,
  crop?: { x: number; y: number; width: number; height: number },
): { band: Float64Array; rows: number; cols: number } {
  const bytes = readFileSync(file);
  const ifd = utif.decode(bytes)[0]!;
  utif.decodeImage(bytes, ifd);
  const samples = ifd.t277?.[0] ?? 1;
  const { x, y, width, height } = crop ?? { x: 0, y: 0, width: ifd.width, height: ifd.height };
  const band = new Float64Array(width * height);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      band[r * width + c] = ifd.data[((y + r) * ifd.width + x + c) * samples + channel]!;
    }
  }
  return { band, rows: height, cols: width };
}
