import { Matrix, SingularValueDecomposition } from 'ml-matrix';

/**
 * The reference: ml-matrix's full SVD (Golub-Reinsch), truncated to `rank`
 * triplets and multiplied back. Slow (about 18 s for a 1064x1064 band) but it agreed with NumPy's
 * LAPACK result sample for sample after floor and clamp, so it is the oracle for the fast paths.
 * Arguments are assumed validated by the caller.
 */
export function exactLowRank(
  band: Float64Array,
  rows: number,
  cols: number,
  rank: number,
): Float64Array {
  // ml-matrix 6.15's iteration never terminates on a constant matrix of 300x200 or more (a
  // flat-colour band). Such a band has rank 1 (or 0), so every rank-k approximation is the band.
  // Other exactly structured bands (repeated rows or columns) still hang inside ml-matrix; no
  // cheap test finds them all, so callers bound this method with a worker timeout instead.
  if (isConstant(band)) return band.slice();
  const matrix = Matrix.from1DArray(rows, cols, band);
  // autoTranspose: without it ml-matrix warns on the console for wide matrices and returns an
  // extra singular value.
  const svd = new SingularValueDecomposition(matrix, {
    autoTranspose: true,
    computeLeftSingularVectors: true,
    computeRightSingularVectors: true,
  });
  const u = svd.leftSingularVectors;
  const v = svd.rightSingularVectors;
  const sigma = svd.diagonal;
  const out = new Float64Array(rows * cols);
  // Scale the kept columns of U once, then accumulate the outer products row by row.
  const us = new Float64Array(rows * rank);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < rank; j++) us[i * rank + j] = u.get(i, j) * (sigma[j] ?? 0);
  }
  const vt = new Float64Array(rank * cols);
  for (let j = 0; j < rank; j++) {
    for (let c = 0; c < cols; c++) vt[j * cols + c] = v.get(c, j);
  }
  for (let i = 0; i < rows; i++) {
    const rowOffset = i * cols;
    for (let j = 0; j < rank; j++) {
      const s = us[i * rank + j]!;
      if (s === 0) continue;
      const vOffset = j * cols;
      for (let c = 0; c < cols; c++) out[rowOffset + c]! += s * vt[vOffset + c]!;
    }
  }
  return out;
}

function isConstant(band: Float64Array): boolean {
  const first = band[0];
  for (let i = 1; i < band.length; i++) if (band[i] !== first) return false;
  return true;
}
