/**
 * The svd benchmark's per-method table: the rank-k approximation of one photograph's colour
 * bands by each method of imageprocess's lowRankApproximation (auto, lanczos and dense with
 * either kernels), timed per band and per image, as a ratio to ml-matrix's full SVD and to NumPy
 * (np.linalg.svd on one OpenBLAS thread, benchmarks/python/numpy-bands.py), with the agreement of
 * the floored and clamped output with the exact result, and the peak memory of a fresh process
 * compressing the image.
 *
 * Fairness between the methods: every method first runs untimed on every band at full size
 * (warm-up rounds), because the first call of the process at a new size pays once for growing
 * the WebAssembly heap and compiling the hot code (about +180 ms per band at 1064x1064, measured),
 * whichever method it is; then the timed rounds run every method once per band, the order
 * rotating from round to round, and each band keeps its median.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lowRankApproximation, readTiff, synthesizeImage } from 'imageprocess';
import type { SvdMethod } from 'imageprocess';
import { BenchOptionError } from './errors.js';
import { formatDuration, formatTable } from './report.js';
import { countAgreement } from './svd-compare.js';
import { summarize } from './stats.js';
import type { BenchContext } from './types.js';

/** A method as the report names it. */
interface Variant {
  readonly name: string;
  readonly method: SvdMethod;
  readonly kernels?: 'wasm' | 'js';
}
/** The methods the table can time, by their --methods name. */
export const VARIANTS: Readonly<Record<string, Variant>> = {
  auto: { name: 'auto (default)', method: 'auto' },
  'lanczos-wasm': { name: 'lanczos, wasm', method: 'lanczos', kernels: 'wasm' },
  'lanczos-js': { name: 'lanczos, js', method: 'lanczos', kernels: 'js' },
  'dense-wasm': { name: 'dense, wasm', method: 'dense', kernels: 'wasm' },
  'dense-js': { name: 'dense, js', method: 'dense', kernels: 'js' },
};
/** The methods timed unless --methods says otherwise. */
export const DEFAULT_VARIANTS: readonly string[] = [
  'auto',
  'lanczos-wasm',
  'lanczos-js',
  'dense-wasm',
];

/** Settings of the per-method table. */
export interface MethodOptions {
  readonly rank: number;
  readonly variants: readonly string[];
  readonly exactBands: number;
  readonly repeat: number;
  readonly warmup: number;
  /** The Python interpreter for the NumPy row. */
  readonly python: string;
}

/** The image of the per-method table, split into its colour bands. */
export interface MethodSubject {
  readonly label: string;
  /** How a fresh process gets the same image: a TIFF path or synthesizeImage's options. */
  readonly source: { photo: string } | { synth: { width: number; height: number; seed: number } };
  readonly rows: number;
  readonly cols: number;
  readonly bands: Float64Array[];
}

/**
 * Load the image of the per-method table and split it into float64 bands.
 *
 * @param source - a TIFF file, or synthesizeImage's options
 * @param label - the name the report gives it
 * @example
 * const subject = await loadMethodSubject({ photo: 'photo01.tif' }, 'photo01.tif');
 */
export async function loadMethodSubject(
  source: MethodSubject['source'],
  label: string,
): Promise<MethodSubject> {
  const image = 'photo' in source ? await readTiff(source.photo) : synthesizeImage(source.synth);
  if (image.bitsPerSample !== 8) {
    throw new BenchOptionError(
      `Expected an 8-bit image for the svd benchmark, got ${image.bitsPerSample}-bit (${label}): pass --photos 8-bit TIFFs.`,
    );
  }
  const colours = image.alpha ? image.channels - 1 : image.channels;
  const bands: Float64Array[] = [];
  for (let c = 0; c < colours; c++) {
    const band = new Float64Array(image.width * image.height);
    for (let i = 0; i < band.length; i++) band[i] = image.data[i * image.channels + c]!;
    bands.push(band);
  }
  return { label, source, rows: image.height, cols: image.width, bands };
}

/** The compress step for one band: A_k, floored and clamped to 8-bit samples. */
function toPixels(approximation: Float64Array): Uint8Array {
  const out = new Uint8Array(approximation.length);
  for (let i = 0; i < out.length; i++) {
    const v = Math.floor(approximation[i]!);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

/** One call of a method on one band, floor and clamp included, timed. */
function timeBand(
  band: Float64Array,
  s: MethodSubject,
  rank: number,
  v: Variant,
): { ms: number; pixels: Uint8Array } {
  const start = performance.now();
  const pixels = toPixels(
    lowRankApproximation(band, s.rows, s.cols, rank, {
      method: v.method,
      ...(v.kernels ? { kernels: v.kernels } : {}),
    }),
  );
  return { ms: performance.now() - start, pixels };
}

const NUMPY_SCRIPT = fileURLToPath(new URL('../python/numpy-bands.py', import.meta.url));

type NumpyResult =
  | { available: true; version: string; bandMs: number[]; pixels: Uint8Array[] }
  | { available: false; reason: string };

async function runNumpy(
  s: MethodSubject,
  rank: number,
  repeat: number,
  interpreter: string,
): Promise<NumpyResult> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'svd-bench-'));
  try {
    for (const [b, band] of s.bands.entries()) {
      await writeFile(path.join(folder, `band${b}.u8`), Uint8Array.from(band));
    }
    // One BLAS thread: the comparison is single-threaded on both sides.
    const env = {
      ...process.env,
      OPENBLAS_NUM_THREADS: '1',
      OMP_NUM_THREADS: '1',
      MKL_NUM_THREADS: '1',
    };
    const args = [folder, s.rows, s.cols, rank, s.bands.length, repeat].map(String);
    const run = spawnSync(interpreter, [NUMPY_SCRIPT, ...args], {
      env,
      encoding: 'utf8',
    });
    if (run.error)
      return { available: false, reason: `${interpreter} could not start (${run.error.message})` };
    if (run.status !== 0) {
      const reason = /No module named .?numpy/.test(run.stderr)
        ? `${interpreter} has no NumPy (pip install numpy)`
        : `${interpreter} failed: ${run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`}`;
      return { available: false, reason };
    }
    const parsed = JSON.parse(run.stdout) as { version: string; bandMs: number[] };
    const pixels = await Promise.all(
      s.bands.map(
        async (_, b) => new Uint8Array(await readFile(path.join(folder, `numpy${b}.u8`))),
      ),
    );
    return { available: true, ...parsed, pixels };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Peak resident memory of a fresh process that compresses the image with compressImage (the
 * path compressFile and the demo take; the float64 lowRankApproximation per band, which the
 * method table times, allocates a band and a result per call on top).
 */
function peakMemory(s: MethodSubject, rank: number): number | undefined {
  const script = `
    import { compressImage, readTiff, synthesizeImage } from 'imageprocess';
    const { source, rank } = JSON.parse(process.argv[1]);
    const image = source.photo ? await readTiff(source.photo) : synthesizeImage(source.synth);
    compressImage(image, rank);
    process.stdout.write(String(process.resourceUsage().maxRSS));`;
  const run = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', script, JSON.stringify({ source: s.source, rank })],
    { encoding: 'utf8', cwd: fileURLToPath(new URL('.', import.meta.url)) },
  );
  const kb = Number(run.stdout);
  return run.status === 0 && run.stdout !== '' && Number.isFinite(kb) ? kb / 1024 : undefined;
}

const ratio = (x: number, base: number | undefined): string =>
  base === undefined ? 'n/a' : `${(x / base).toFixed(3)}x`;

/**
 * Time every method on the subject's bands and print the per-method table.
 *
 * @example
 * const figures = await runMethodComparison(ctx, subject, { rank: 50, variants: ['auto'], exactBands: 1, repeat: 3, warmup: 1, python: 'python3' });
 */
export async function runMethodComparison(
  ctx: BenchContext,
  s: MethodSubject,
  options: MethodOptions,
): Promise<Record<string, unknown>> {
  const { rank, repeat, warmup } = options;
  if (rank > Math.min(s.rows, s.cols)) {
    throw new BenchOptionError(
      `Expected --rank to be at most min(width, height) = ${Math.min(s.rows, s.cols)} for ${s.label}, got ${rank}.`,
    );
  }
  ctx.log(
    `### Per method: ${s.label}, ${s.cols}x${s.rows}, ${s.bands.length} bands, rank ${rank}, one thread`,
  );

  const steps = (warmup + repeat) * (options.variants.length + 1) + 2;
  let done = 0;
  // Untimed rounds at full size: each method's first call would otherwise pay the process's
  // one-time costs (WebAssembly heap growth to the band's size, compiling the hot loops), and
  // whichever method ran first looked slowest.
  for (let round = 0; round < warmup; round++) {
    for (const key of options.variants) {
      ctx.signal?.throwIfAborted();
      const v = VARIANTS[key]!;
      ctx.progress(done++, steps, `${v.name}, warm-up ${round + 1} of ${warmup}`);
      for (const band of s.bands) timeBand(band, s, rank, v);
    }
  }
  let numpy: NumpyResult | undefined;
  const numpySamples: number[][] = s.bands.map(() => []);
  const samples = new Map<string, { bandMs: number[][]; pixels: Uint8Array[] }>();
  for (let round = 0; round < warmup + repeat; round++) {
    ctx.signal?.throwIfAborted();
    ctx.progress(done++, steps, `NumPy, round ${round + 1} of ${warmup + repeat}`);
    const run = await runNumpy(s, rank, 1, options.python);
    if (!run.available) numpy ??= run;
    else if (round >= warmup) {
      numpy ??= run;
      run.bandMs.forEach((ms, b) => numpySamples[b]!.push(ms));
    }
    // The methods' warm-up happened above; the NumPy round before the first timed one warms
    // Python (imports, file cache) and is not counted.
    if (round < warmup) continue;
    const timed = round - warmup;
    // Rotate the order each round: whichever runs right after NumPy finds colder caches.
    const order = options.variants.map(
      (_, i) => options.variants[(i + timed) % options.variants.length]!,
    );
    for (const key of order) {
      ctx.signal?.throwIfAborted();
      const v = VARIANTS[key]!;
      ctx.progress(done++, steps, `${v.name}, round ${timed + 1} of ${repeat}`);
      const record = samples.get(key) ?? { bandMs: s.bands.map(() => []), pixels: [] };
      for (const [b, band] of s.bands.entries()) {
        const { ms, pixels } = timeBand(band, s, rank, v);
        record.bandMs[b]!.push(ms);
        record.pixels[b] ??= pixels;
      }
      samples.set(key, record);
    }
  }
  numpy ??= { available: false, reason: 'not run' };
  if (numpy.available) numpy.bandMs = numpySamples.map((list) => summarize(list).median);
  const numpyImage = numpy.available ? numpy.bandMs.reduce((a, b) => a + b, 0) : undefined;

  // The exact reference: ml-matrix's full SVD on the first bands (slow), NumPy on all of them.
  ctx.progress(done++, steps, 'ml-matrix');
  const exactBands = Math.min(options.exactBands, s.bands.length);
  const exact: { ms: number; pixels: Uint8Array }[] = [];
  for (let b = 0; b < exactBands; b++) {
    ctx.signal?.throwIfAborted();
    exact.push(timeBand(s.bands[b]!, s, rank, { name: 'exact', method: 'exact' }));
  }
  const exactBandMs = exact.length ? exact.reduce((a, e) => a + e.ms, 0) / exact.length : undefined;
  const exactImage = exactBandMs === undefined ? undefined : exactBandMs * s.bands.length;
  const numpyPixels = numpy.available ? numpy.pixels : undefined;
  const reference = (b: number): Uint8Array | undefined => numpyPixels?.[b] ?? exact[b]?.pixels;

  const rows: string[][] = [];
  const results: Record<string, unknown>[] = [];
  for (const key of options.variants) {
    const v = VARIANTS[key]!;
    const record = samples.get(key)!;
    const bandPixels = record.pixels;
    const bandMs = record.bandMs.map((list) => summarize(list).median);
    let equal = 0;
    let compared = 0;
    let max = 0;
    for (const [b, pixels] of bandPixels.entries()) {
      const ref = reference(b);
      if (ref) {
        const c = countAgreement(pixels, ref);
        equal += c.equal;
        compared += pixels.length;
        max = Math.max(max, c.max);
      }
    }
    const image = bandMs.reduce((a, b) => a + b, 0);
    const agreement = compared ? { equalPercent: (100 * equal) / compared, maxDiff: max } : null;
    rows.push([
      v.name,
      formatDuration(image / bandMs.length),
      formatDuration(image),
      ratio(image, exactImage),
      ratio(image, numpyImage),
      agreement ? `${agreement.equalPercent.toFixed(4)}%` : 'n/a',
      agreement ? String(agreement.maxDiff) : 'n/a',
    ]);
    results.push({
      method: key,
      bandMs,
      bandSamplesMs: record.bandMs,
      imageMs: image,
      vsMlMatrix: exactImage && image / exactImage,
      vsNumpy: numpyImage && image / numpyImage,
      agreement,
    });
  }
  if (exactBandMs !== undefined && exactImage !== undefined) {
    let equal = 0;
    let max = 0;
    if (numpyPixels) {
      exact.forEach((e, b) => {
        const c = countAgreement(e.pixels, numpyPixels[b]!);
        equal += c.equal;
        max = Math.max(max, c.max);
      });
    }
    const n = exact.length * s.rows * s.cols;
    rows.push([
      `exact (ml-matrix)${exactBands < s.bands.length ? `, ${exactBands} band${exactBands > 1 ? 's' : ''}` : ''}`,
      formatDuration(exactBandMs),
      formatDuration(exactImage),
      '1.000x',
      ratio(exactImage, numpyImage),
      numpy.available ? `${((100 * equal) / n).toFixed(4)}%` : 'itself',
      numpy.available ? String(max) : '0',
    ]);
  }
  if (numpy.available && numpyImage !== undefined) {
    rows.push([
      `NumPy ${numpy.version}`,
      formatDuration(numpyImage / s.bands.length),
      formatDuration(numpyImage),
      ratio(numpyImage, exactImage),
      '1.000x',
      'itself',
      '0',
    ]);
  }
  ctx.progress(done++, steps, 'peak memory');
  const peakMB = peakMemory(s, rank);

  ctx.log('');
  for (const line of formatTable(
    ['method', 'per band', 'per image', 'vs ml-matrix', 'vs NumPy', 'equal to exact', 'max diff'],
    rows,
  )) {
    ctx.log(line);
  }
  ctx.log('');
  ctx.log(
    `Times: lowRankApproximation plus floor and clamp per band, median of ${repeat} round(s) after ${warmup} untimed warm-up round(s) of every method at full size; each round runs NumPy and every method once per band, the order rotating; per image = sum over ${s.bands.length} bands. ` +
      (numpy.available
        ? `NumPy: np.linalg.svd + rank-${rank} rebuild + floor/clip, OPENBLAS_NUM_THREADS=1, same process conditions; it is also the exact reference for agreement.`
        : `NumPy not run: ${numpy.reason}; agreement is against ml-matrix on ${exactBands} band(s).`),
  );
  if (exactBands < s.bands.length && exactImage !== undefined) {
    ctx.log(
      `ml-matrix ran on ${exactBands} of ${s.bands.length} bands; its per-image time is extrapolated (--exact-bands ${s.bands.length} for all).`,
    );
  }
  ctx.log(
    `Peak resident memory of a fresh process compressing the image (compressImage, auto): ${peakMB === undefined ? 'n/a' : `${peakMB.toFixed(0)} MB`}.`,
  );
  ctx.log(
    `Other work on the machine changes these figures: compare ratios taken in the same run (load average now ${(os.loadavg()[0] ?? 0).toFixed(2)}).`,
  );

  return {
    subject: s.label,
    width: s.cols,
    height: s.rows,
    bands: s.bands.length,
    rank,
    repeat,
    numpy: numpy.available
      ? { available: true, version: numpy.version, bandMs: numpy.bandMs, imageMs: numpyImage }
      : { available: false, reason: numpy.reason },
    mlMatrix: {
      bands: exactBands,
      bandMs: exact.map((e) => e.ms),
      imageMsEstimate: exactImage ?? null,
    },
    methods: results,
    peakRssMB: peakMB ?? null,
  };
}
