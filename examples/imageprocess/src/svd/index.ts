/**
 * The rank-k approximation behind compress: a fast exact-to-the-sample Lanczos method, a dense
 * method for high ranks, and ml-matrix's full SVD as the reference (see README.md here).
 */
import { denseLowRank } from './dense.js';
import { exactLowRank } from './exact.js';
import { createJsKernels, floorProductScratchBytes, u8Stride } from './kernels.js';
import type { Kernels } from './kernels.js';
import { lanczosLowRank, u8HeapLayout } from './lanczos.js';
import type { LanczosPrecision, LowRankFactors, MatrixStorage } from './lanczos.js';
import { rebuildFromProducts } from './rebuild.js';
import { WASM_MAX_ELEMENTS, wasmKernels } from './wasm-kernels.js';
import { LentBytes } from '../lent-bytes.js';

/**
 * How {@link lowRankApproximation} computes the truncated SVD.
 * - `'exact'`: ml-matrix's full SingularValueDecomposition, truncated (the reference; slow).
 *   ml-matrix 6.15 can loop forever on bands with exactly repeated rows or columns (stripes,
 *   checkerboards); being synchronous it cannot be interrupted, so run it in a worker with a
 *   timeout on inputs that are not photographs (see README.md, Known limits).
 * - `'dense'`: the fast dense method, for ranks close to min(rows, cols).
 * - `'lanczos'`: the iterative rank-k method (Lanczos on AᵀA, full reorthogonalization, residual
 *   stopping test), run until it converges; the rare spectra it cannot handle alone (exactly
 *   repeated or rank-deficient) go to the dense method.
 * - `'auto'`: `'lanczos'` for ranks up to min(rows, cols) / 5, `'dense'` above; Lanczos also
 *   hands over to the dense method when its Krylov space outgrows what it can win.
 *
 * @example
 * ```ts
 * const method: SvdMethod = 'exact'; // the slow reference, for checking the fast methods
 * lowRankApproximation(band, rows, cols, 20, { method });
 * ```
 */
export type SvdMethod = 'auto' | 'lanczos' | 'dense' | 'exact';

/**
 * Which arithmetic kernels the fast methods use: WebAssembly SIMD or plain TypeScript. Both give
 * bit-identical results; the WebAssembly ones are several times faster.
 *
 * @example
 * ```ts
 * lowRankApproximation(band, rows, cols, 50, { kernels: 'js' });
 * ```
 */
export type SvdKernels = 'wasm' | 'js';

/**
 * Options of {@link lowRankApproximation}; unknown keys are refused.
 *
 * @example
 * ```ts
 * const options: LowRankOptions = { method: 'lanczos', kernels: 'wasm' };
 * ```
 */
export interface LowRankOptions {
  /**
   * The algorithm.
   * @default 'auto'
   */
  method?: SvdMethod;
  /**
   * The kernels of the fast methods: WebAssembly SIMD, or plain TypeScript (same results).
   * @default 'wasm' where WebAssembly SIMD is available and the matrix fits its 4 GiB memory, else 'js'
   */
  kernels?: SvdKernels;
}

const METHODS: readonly SvdMethod[] = ['auto', 'lanczos', 'dense', 'exact'];
const KERNELS: readonly SvdKernels[] = ['wasm', 'js'];
const OPTION_KEYS = ['method', 'kernels'];

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}' (string)`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object' || typeof value === 'function') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name ? `an instance of ${name}` : `a value of type ${typeof value}`;
  }
  return `\`${String(value)}\` (${typeof value})`;
}

function checkDimension(name: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new TypeError(
      `Expected \`${name}\` to be an integer from 1 and up, got ${describe(value)}.`,
    );
  }
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Expected \`${name}\` to be an integer from 1 and up, got ${describe(value)}.`,
    );
  }
  return value;
}

function checkOptions(options: unknown): Required<LowRankOptions> & { explicitKernels: boolean } {
  if (options === undefined) {
    return { method: 'auto', kernels: defaultKernels(), explicitKernels: false };
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(
      `Expected \`options\` to be an object such as { method: 'auto' }, got ${describe(options)}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      throw new TypeError(
        `Unknown option \`${key}\` in lowRankApproximation's options; the known options are ${OPTION_KEYS.map((k) => `\`${k}\``).join(' and ')}.`,
      );
    }
  }
  const { method = 'auto', kernels } = options as LowRankOptions;
  if (!METHODS.includes(method)) {
    throw new TypeError(
      `Expected \`method\` to be one of ${METHODS.map((m) => `'${m}'`).join(', ')}, got ${describe(method)}.`,
    );
  }
  if (kernels !== undefined && !KERNELS.includes(kernels)) {
    throw new TypeError(`Expected \`kernels\` to be 'wasm' or 'js', got ${describe(kernels)}.`);
  }
  return { method, kernels: kernels ?? defaultKernels(), explicitKernels: kernels !== undefined };
}

function defaultKernels(): SvdKernels {
  return wasmKernels() ? 'wasm' : 'js';
}

/**
 * The best rank-`rank` approximation A_k = U_k Σ_k V_kᵀ of a real matrix (Eckart-Young), rebuilt
 * as a new matrix of the same shape. The result is neither rounded nor clamped: a caller that
 * stores pixels floors and clamps it.
 *
 * @param band - The matrix, row-major, `rows * cols` finite float64 values (one colour band).
 * @param rows - Number of rows (the image height).
 * @param cols - Number of columns (the image width).
 * @param rank - How many singular triplets to keep: an integer from 1 to min(rows, cols).
 * @param options - See {@link LowRankOptions}.
 * @returns A new Float64Array of `rows * cols` values, row-major.
 * @throws TypeError for an argument of the wrong type, RangeError for a value out of range: each
 *   names the argument, the value received and what is valid.
 *
 * @example
 * ```ts
 * import { lowRankApproximation } from 'imageprocess';
 * const band = Float64Array.from({ length: 6 }, (_, i) => i); // 2 x 3
 * const a1 = lowRankApproximation(band, 2, 3, 1); // the best rank-1 approximation
 * ```
 */
export function lowRankApproximation(
  band: Float64Array,
  rows: number,
  cols: number,
  rank: number,
  options?: LowRankOptions,
): Float64Array {
  return lowRankApproximationDetailed(band, rows, cols, rank, options).output;
}

/** What {@link lowRankApproximationDetailed} returns: the result and how it was obtained. */
export interface LowRankDetails {
  /** A_k, as {@link lowRankApproximation} returns it. */
  readonly output: Float64Array;
  /** The method that produced it (`'dense'` also when Lanczos handed over to it). */
  readonly method: 'lanczos' | 'dense' | 'exact';
  /** The kernels used, or null for the exact method (ml-matrix). */
  readonly kernels: SvdKernels | null;
  /**
   * The Krylov dimension Lanczos reached (0 when it did not run). With method `'dense'` and a
   * non-zero value, Lanczos gave up at this dimension (a spectrum too flat for it to pay, or an
   * exactly repeated or rank-deficient one) and the dense method took over.
   */
  readonly krylovDimension: number;
}

/**
 * {@link lowRankApproximation} with a report of the method that ran, for benchmarks and for
 * users tuning `method`. Same arguments, same validation, same output.
 *
 * @example
 * ```ts
 * const { output, method, krylovDimension } = lowRankApproximationDetailed(band, 512, 512, 50);
 * // method 'lanczos', krylovDimension about 110 on a photograph
 * ```
 */
export function lowRankApproximationDetailed(
  band: Float64Array,
  rows: number,
  cols: number,
  rank: number,
  options?: LowRankOptions,
): LowRankDetails {
  if (!(band instanceof Float64Array)) {
    throw new TypeError(
      `Expected \`band\` to be a Float64Array (row-major, rows * cols values), got ${describe(band)}.`,
    );
  }
  checkDimension('rows', rows);
  checkDimension('cols', cols);
  if (band.length !== rows * cols) {
    throw new RangeError(
      `Expected \`band\` to hold rows * cols = ${rows} * ${cols} = ${rows * cols} values, got ${band.length}; check that rows is the height and cols the width.`,
    );
  }
  const maxRank = Math.min(rows, cols);
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1 || rank > maxRank) {
    const ErrorClass = typeof rank === 'number' ? RangeError : TypeError;
    throw new ErrorClass(
      `Expected \`rank\` to be an integer from 1 to min(rows, cols) = ${maxRank}, got ${describe(rank)}.`,
    );
  }
  for (let i = 0; i < band.length; i++) {
    if (!Number.isFinite(band[i])) {
      throw new RangeError(
        `Expected every value of \`band\` to be finite, got ${band[i]} at index ${i} (row ${Math.floor(i / cols)}, column ${i % cols}).`,
      );
    }
  }
  const { method, kernels, explicitKernels } = checkOptions(options);
  if (method === 'exact') {
    const output = exactLowRank(band, rows, cols, rank);
    return { output, method: 'exact', kernels: null, krylovDimension: 0 };
  }
  return fastLowRank(
    band,
    rows,
    cols,
    rank,
    method,
    pickKernels(kernels, explicitKernels, rows, cols),
  );
}

function pickKernels(
  kernels: SvdKernels,
  explicitKernels: boolean,
  rows: number,
  cols: number,
): Kernels {
  // The dense method's heap holds about 3 copies of the matrix and one of its Gram matrix; past
  // the 4 GiB of wasm32, the default falls back to the plain kernels instead of failing.
  const short = Math.min(rows, cols);
  const tooLarge = 4 * rows * cols + 2 * short * short > WASM_MAX_ELEMENTS;
  if (kernels === 'wasm' && !(tooLarge && !explicitKernels)) {
    const wasm = wasmKernels();
    if (!wasm) {
      throw new Error(
        "The WebAssembly SIMD kernels cannot run on this JavaScript engine (it lacks WebAssembly SIMD); pass { kernels: 'js' } or omit `kernels` to use the plain TypeScript kernels.",
      );
    }
    return wasm;
  }
  return createJsKernels();
}

/**
 * Whether the iterative method pays at this rank: on photographs its Krylov space grows to about
 * 2.2 k vectors, on white noise to 3 to 7 k, and each step costs about 1/3000 of the dense
 * method; near min(rows, cols) the dense method is both cheaper and certain.
 */
function useLanczos(rank: number, n: number): boolean {
  return n > 32 && rank * 5 <= n;
}

/**
 * The Krylov dimension at which Lanczos gives up and the dense method takes over: generous for
 * small ranks (flat spectra need many steps, still far cheaper than dense), never past 0.6 n,
 * where a full Lanczos run would cost more than the dense method.
 */
function lanczosCap(rank: number, n: number): number {
  return Math.min(n, Math.max(rank + 10, Math.min(8 * rank + 100, Math.ceil(0.6 * n))));
}

/**
 * Where {@link solveInHeap} left A_k of the tall m x n matrix, and how it got there: rebuilt at
 * `offset` (the dense method), or as Lanczos's two factors, which {@link rebuilt} multiplies
 * out and lowRankSamples floors without forming A_k.
 */
type HeapResult = {
  readonly method: 'lanczos' | 'dense';
  readonly krylovDimension: number;
} & (
  | { readonly offset: number; readonly factors?: undefined }
  | { readonly factors: LowRankFactors; readonly offset?: undefined }
);

/** The heap offset of the tall m x n A_k that `result` stands for, multiplied out if needed. */
function rebuilt(kernels: Kernels, result: HeapResult, m: number, n: number): number {
  const f = result.factors;
  return f ? rebuildFromProducts(kernels, f.bt, m, n, f.vt, f.p, f.free) : result.offset!;
}

/**
 * Puts the tall m x n matrix into the heap from byte 0 as `storage` says ('uint8' only when
 * every value is an integer 0..255); returns whether every value is zero.
 */
type HeapLoader = (storage: MatrixStorage) => boolean;

/**
 * A_k of the tall m x n matrix (m >= n) that `load` puts into the heap, left in the heap.
 * Lanczos reads it as bytes when `bytes` (every value an integer 0..255), with `precision`
 * (then 'full' where 'floors' meets a nearly invariant subspace); the dense method, which
 * needs float64, reloads it.
 */
function solveInHeap(
  kernels: Kernels,
  m: number,
  n: number,
  rank: number,
  method: 'auto' | 'lanczos' | 'dense',
  load: HeapLoader,
  bytes: boolean,
  precision: LanczosPrecision,
): HeapResult {
  let krylovDimension = 0;
  if (method === 'lanczos' || (method === 'auto' && useLanczos(rank, n))) {
    const storage = bytes ? 'uint8' : 'float64';
    // The zero matrix is its own A_k (and would stop Lanczos at its first step).
    if (load(storage)) return zeroResult(kernels, m * n);
    // Asked for by name, Lanczos runs until it converges (at the latest when its basis spans
    // the whole space); under 'auto' it hands a too-flat spectrum over to the dense method early.
    const cap = method === 'lanczos' ? n : lanczosCap(rank, n);
    let lanczos = lanczosLowRank(kernels, m, n, rank, cap, storage, precision);
    if (!lanczos.converged && lanczos.needsFullPrecision) {
      lanczos = lanczosLowRank(kernels, m, n, rank, cap, storage, 'full');
    }
    krylovDimension = lanczos.steps;
    if (lanczos.converged) return { factors: lanczos.factors, method: 'lanczos', krylovDimension };
    if (bytes) load('float64');
  } else if (load('float64')) {
    return zeroResult(kernels, m * n);
  }
  return { offset: denseLowRank(kernels, m, n, rank), method: 'dense', krylovDimension };
}

function zeroResult(kernels: Kernels, size: number): HeapResult {
  kernels.reserve(size).fill(0, 0, size);
  return { offset: 0, method: 'dense', krylovDimension: 0 };
}

/**
 * A loader of channel `channel` of interleaved samples (`channels` per pixel) of a rows x cols
 * image (or of a plain band: channels 1, channel 0), transposed when the image is wide so that
 * the heap holds the tall matrix.
 */
function sampleLoader(
  kernels: Kernels,
  data: ArrayLike<number>,
  channels: number,
  channel: number,
  rows: number,
  cols: number,
): HeapLoader {
  const wide = rows < cols;
  const m = wide ? cols : rows;
  const n = wide ? rows : cols;
  return (storage) => {
    if (storage === 'float64') {
      const heap = kernels.reserve(m * n);
      let nonZero = false;
      for (let i = 0, s = channel; i < rows; i++) {
        // Sample (i, j) of the image is (j, i) of the tall matrix when the image is wide.
        for (
          let j = 0, t = wide ? i : i * cols;
          j < cols;
          j++, s += channels, t += wide ? rows : 1
        ) {
          const v = data[s]!;
          heap[t] = v;
          nonZero ||= v !== 0;
        }
      }
      return !nonZero;
    }
    // uint8: the tall A with rows of u8Stride(n) bytes, then Aᵀ with rows of u8Stride(m), both
    // zero-padded. The image's rows are the rows of A (of Aᵀ when the image is wide): they are
    // gathered there, and the other one is their transpose.
    const { at8, elements } = u8HeapLayout(m, n);
    const strideA = u8Stride(n);
    const strideT = u8Stride(m);
    const [direct, directStride, other, otherStride] = wide
      ? [at8, strideT, 0, strideA]
      : [0, strideA, at8, strideT];
    let any = 0;
    const heap = kernels.reserve(elements);
    if (data instanceof Uint8Array) {
      // The kernels gather the channel (and zero the rows' padding); the heap after the two
      // matrices is theirs to use.
      any = kernels.gatherBytes(
        data,
        channel,
        rows,
        cols,
        channels,
        direct,
        directStride,
        8 * elements,
      );
    } else {
      const bytes = new Uint8Array(heap.buffer, heap.byteOffset, 8 * elements);
      bytes.fill(0);
      for (let i = 0, s = channel; i < rows; i++) {
        for (let t = direct + i * directStride, end = t + cols; t < end; t++, s += channels) {
          const v = data[s]!;
          bytes[t] = v;
          any |= v;
        }
      }
    }
    kernels.transposeBytes(direct, rows, cols, directStride, other, otherStride);
    return any === 0;
  };
}

function fastLowRank(
  band: Float64Array,
  rows: number,
  cols: number,
  rank: number,
  method: 'auto' | 'lanczos' | 'dense',
  kernels: Kernels,
): LowRankDetails {
  // The algorithms want a tall matrix (the Gram matrix on the short side): transpose wide ones.
  const wide = rows < cols;
  const m = wide ? cols : rows;
  const n = wide ? rows : cols;
  let bytes = true;
  for (let i = 0; i < band.length && bytes; i++) {
    const v = band[i]!;
    bytes = v >= 0 && v <= 255 && Number.isInteger(v);
  }
  const load = sampleLoader(kernels, band, 1, 0, rows, cols);
  const solved = solveInHeap(kernels, m, n, rank, method, load, bytes, 'full');
  const details = {
    method: solved.method,
    kernels: kernels.kind,
    krylovDimension: solved.krylovDimension,
  };
  const off = rebuilt(kernels, solved, m, n);
  const result = kernels.heap;
  if (!wide) return { output: result.slice(off, off + band.length), ...details };
  const output = new Float64Array(band.length);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) output[i * cols + j] = result[off + j * rows + i]!;
  }
  return { output, ...details };
}

/**
 * compressImage's SVD of colour bands 0 .. bands − 1 of the interleaved integer samples `data`
 * (rows x cols pixels of `channels` samples): each band's A_k, floored and clamped to
 * 0..maxValue, into the same channel of `out`. Returns Σ (out − data)² over those bands, for
 * the PSNR. Arguments are trusted (compressImage checks them).
 *
 * 8-bit RGB images floor each band into a plane of its own and interleave the three planes once
 * at the end: the floors then leave the kernels eight bytes per store instead of one, and the
 * interleaved output crosses into and out of the heap once instead of twice per band. Other
 * layouts (gray, an alpha channel, 16-bit samples) write each band into `out` directly.
 * @internal
 */
export function lowRankBands(
  data: Uint8Array | Uint16Array,
  out: Uint8Array | Uint16Array,
  channels: number,
  bands: number,
  rows: number,
  cols: number,
  rank: number,
  method: SvdMethod,
  maxValue: number,
): number {
  let squaredError = 0;
  const rgb8 =
    channels === 3 && bands === 3 && data instanceof Uint8Array && out instanceof Uint8Array;
  if (!rgb8 || method === 'exact') {
    for (let c = 0; c < bands; c++) {
      squaredError += lowRankSamples(data, out, channels, c, rows, cols, rank, method, maxValue);
    }
    return squaredError;
  }
  const pixels = rows * cols;
  const planes = keptPlanes.lend(3 * pixels);
  for (let c = 0; c < 3; c++) {
    const plane = planes.subarray(c * pixels, (c + 1) * pixels);
    squaredError += lowRankSamples(data, out, 3, c, rows, cols, rank, method, maxValue, plane);
  }
  const kernels = pickKernels(defaultKernels(), false, rows, cols);
  kernels.interleave3(planes, pixels, out, 0);
  keptPlanes.giveBack(planes);
  return squaredError;
}

/**
 * lowRankBands' three planes, kept for the next image of this thread: a fresh array of 3.4 MB
 * costs its page faults on first write, 1.3-1.6 ms of a 1064x1064 image's 25-35 ms at rank 20.
 * Every byte is written before it is read.
 */
const keptPlanes = new LentBytes(48 << 20);

/**
 * One band of {@link lowRankBands}, without float64 copies of it: channel `channel` of `data`
 * goes straight into the kernels' heap (as bytes for 8-bit samples), and A_k comes back
 * floored and clamped into the same channel of `out`, or (8-bit samples, when `plane` is
 * given) into `plane` (rows x cols bytes), with `out`'s channel left as it was. Returns the
 * channel's Σ (result − data)².
 */
function lowRankSamples(
  data: Uint8Array | Uint16Array,
  out: Uint8Array | Uint16Array,
  channels: number,
  channel: number,
  rows: number,
  cols: number,
  rank: number,
  method: SvdMethod,
  maxValue: number,
  plane?: Uint8Array,
): number {
  const result = lowRankSamplesInto(
    data,
    out,
    channels,
    channel,
    rows,
    cols,
    rank,
    method,
    maxValue,
    plane,
  );
  if (result.plane === 'unwritten' && plane) {
    // A path that wrote into the interleaved samples (the dense method, a rebuilt A_k): the
    // plane takes the channel from there.
    for (let p = 0, i = channel; p < rows * cols; p++, i += channels) plane[p] = out[i]!;
  }
  return result.value;
}

function lowRankSamplesInto(
  data: Uint8Array | Uint16Array,
  out: Uint8Array | Uint16Array,
  channels: number,
  channel: number,
  rows: number,
  cols: number,
  rank: number,
  method: SvdMethod,
  maxValue: number,
  plane: Uint8Array | undefined,
): { value: number; plane: 'written' | 'unwritten' } {
  const pixels = rows * cols;
  // The exact method's result; the fast methods leave theirs in the kernels' heap at `off`.
  let approx: Float64Array | undefined;
  let off = 0;
  const kernels = method === 'exact' ? undefined : pickKernels(defaultKernels(), false, rows, cols);
  // The exact method returns the band in its own shape; the heap holds wide bands transposed.
  let wide = false;
  if (method === 'exact' || !kernels) {
    const band = new Float64Array(pixels);
    for (let p = 0, i = channel; p < pixels; p++, i += channels) band[p] = data[i]!;
    approx = exactLowRank(band, rows, cols, rank);
  } else {
    wide = rows < cols;
    const m = wide ? cols : rows;
    const n = wide ? rows : cols;
    // 8-bit samples are read as bytes by Lanczos, 16-bit ones as float64.
    const bytes = maxValue === 255;
    const load = sampleLoader(kernels, data, channels, channel, rows, cols);
    // Only the floors of A_k are wanted: 8-bit bands run the fast uint8 step.
    const solved = solveInHeap(kernels, m, n, rank, method, load, bytes, 'floors');
    const f = solved.factors;
    if (f && bytes && data instanceof Uint8Array && out instanceof Uint8Array) {
      // Lanczos's factors are floored straight into the samples, in image orientation (the
      // factors of a wide band's transpose, swapped), against the band's bytes still in the
      // heap: A for a tall band, Aᵀ for a wide one (sampleLoader's layout).
      const [l, ldl, r, ldr] = wide ? [f.vt, n, f.bt, m] : [f.bt, m, f.vt, n];
      const planar = wide ? u8HeapLayout(m, n).at8 : 0;
      const scratch = 8 * (f.free + (f.free % 2));
      kernels.reserve(Math.ceil((scratch + floorProductScratchBytes(f.p, rows, cols)) / 8));
      // Into the plane when there is one (every byte written, 8 per store), else into the
      // channel of the interleaved samples (the other channels' bytes kept).
      const squaredError = kernels.floorProduct(
        l,
        ldl,
        r,
        ldr,
        f.p,
        rows,
        cols,
        planar,
        u8Stride(cols),
        plane ?? out,
        plane ? 0 : channel,
        plane ? 1 : channels,
        scratch,
      );
      if (Number.isNaN(squaredError)) {
        throw new Error(`The SVD returned NaN for band ${channel}; this is a bug.`);
      }
      return { value: squaredError, plane: 'written' };
    }
    off = rebuilt(kernels, solved, m, n);
  }
  if (kernels && data instanceof Uint8Array && out instanceof Uint8Array) {
    // 8-bit samples: floored, clamped, written and compared by the kernels, on copies of the
    // interleaved input and output put after A_k (two memcpys each way instead of strided loops).
    const samplesAt = 8 * (off + pixels);
    const outAt = samplesAt + data.length;
    const heap = kernels.reserve(off + pixels + Math.ceil((2 * data.length) / 8));
    const bytes = new Uint8Array(heap.buffer, heap.byteOffset, outAt + out.length);
    bytes.set(data, samplesAt);
    bytes.set(out, outAt);
    const squaredError = kernels.floorToSamples(
      off,
      wide ? cols : rows,
      wide ? rows : cols,
      wide ? 1 : cols,
      wide ? cols : 1,
      samplesAt + channel,
      outAt + channel,
      channels,
    );
    if (Number.isNaN(squaredError)) {
      const at = heap.subarray(off, off + pixels).findIndex((x) => Number.isNaN(x));
      const sample = wide ? (at % rows) * cols + Math.floor(at / rows) : at;
      throw new Error(
        `The SVD returned NaN for band ${channel} at sample ${sample}; this is a bug.`,
      );
    }
    out.set(bytes.subarray(outAt, outAt + out.length));
    return { value: squaredError, plane: 'unwritten' };
  }
  const result = approx ?? kernels!.heap;
  // floor and clamp in one comparison chain: for 0 <= x < maxValue + 1, x | 0 is floor(x); NaN
  // fails both tests (a broken SVD must fail loudly rather than write black pixels).
  const limit = maxValue + 1;
  let squaredError = 0;
  for (let i = 0, p = channel; i < rows; i++) {
    // A wide band came back transposed: sample (i, j) is at j * rows + i.
    let o = wide ? off + i : off + i * cols;
    const step = wide ? rows : 1;
    for (let j = 0; j < cols; j++, p += channels, o += step) {
      const x = result[o]!;
      let v: number;
      if (x >= 0) v = x < limit ? x | 0 : maxValue;
      else if (x < 0) v = 0;
      else {
        throw new Error(
          `The SVD returned NaN for band ${channel} at sample ${i * cols + j}; this is a bug.`,
        );
      }
      out[p] = v;
      const d = v - data[p]!;
      squaredError += d * d;
    }
  }
  return { value: squaredError, plane: 'unwritten' };
}
