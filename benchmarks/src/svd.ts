/**
 * `npm run bench -- svd`: the rank-k approximation of one photograph's colour bands by each
 * method of imageprocess's lowRankApproximation, timed per band and per image, as a ratio to
 * ml-matrix's full SVD and to NumPy (np.linalg.svd on one OpenBLAS thread, run side by side from
 * python3 when it is installed), with the agreement of the floored and clamped output with the
 * exact result, and the peak memory of a fresh process compressing the image.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lowRankApproximation, readTiff, synthesizeImage } from 'imageprocess';
import type { SvdMethod } from 'imageprocess';
import { BenchOptionError } from './errors.js';
import { integerOption, parseBenchOptions } from './options.js';
import { formatDuration, formatTable } from './report.js';
import type { BenchContext, SubBenchmark } from './types.js';

const DEFAULT_PHOTO = fileURLToPath(
  new URL('../../../shared/data/photos/photo01_flower_left.tif', import.meta.url),
);

/** A method as the report names it. */
interface Variant {
  readonly name: string;
  readonly method: SvdMethod;
  readonly kernels?: 'wasm' | 'js';
}
const VARIANTS: Record<string, Variant> = {
  auto: { name: 'auto (default)', method: 'auto' },
  'lanczos-wasm': { name: 'lanczos, wasm', method: 'lanczos', kernels: 'wasm' },
  'lanczos-js': { name: 'lanczos, js', method: 'lanczos', kernels: 'js' },
  'dense-wasm': { name: 'dense, wasm', method: 'dense', kernels: 'wasm' },
  'dense-js': { name: 'dense, js', method: 'dense', kernels: 'js' },
};
const DEFAULT_VARIANTS = ['auto', 'lanczos-wasm', 'lanczos-js', 'dense-wasm'];

interface SvdOptions {
  photo: string | undefined;
  rank: number;
  variants: string[];
  exactBands: number;
  repeat: number;
}

/** One line per option, for `npm run bench -- svd --help`. */
const SVD_USAGE = [
  '  --photo FILE       the TIFF image (default ../shared/data/photos/photo01_flower_left.tif,',
  '                     a synthetic 1064x1064 RGB image when absent)',
  '  --rank K           rank of the approximation (default 50; --tiny: 5)',
  `  --methods LIST     comma-separated, from ${Object.keys(VARIANTS).join(', ')}`,
  `                     (default ${DEFAULT_VARIANTS.join(',')})`,
  "  --exact-bands N    bands also run through ml-matrix's full SVD, about 18 s each at",
  '                     1064x1064 (default 1; --tiny: 3)',
  '  --repeat N         rounds; each band keeps its best time (default 1)',
].join('\n');

function parseSvdOptions(args: readonly string[], tiny: boolean): SvdOptions {
  const values = parseBenchOptions('svd', args, [
    'photo',
    'rank',
    'methods',
    'exact-bands',
    'repeat',
  ]);
  const variants = (values['methods'] ?? DEFAULT_VARIANTS.join(','))
    .split(',')
    .map((v) => v.trim());
  for (const v of variants) {
    if (!(v in VARIANTS)) {
      throw new BenchOptionError(
        `Expected --methods to list some of ${Object.keys(VARIANTS).join(', ')}, got \`${v}\` (string).`,
      );
    }
  }
  const photo = values['photo'];
  if (photo !== undefined && !existsSync(photo)) {
    throw new BenchOptionError(
      `Expected --photo to name a TIFF file, got \`${photo}\`, which does not exist.`,
    );
  }
  return {
    photo,
    rank: integerOption('rank', values['rank'], tiny ? 5 : 50, 1),
    variants,
    exactBands: integerOption('exact-bands', values['exact-bands'], tiny ? 3 : 1, 0),
    repeat: integerOption('repeat', values['repeat'], 1, 1),
  };
}

interface Subject {
  readonly label: string;
  /** How a fresh process gets the same image: a TIFF path or synthesizeImage's options. */
  readonly source: { photo: string } | { synth: { width: number; height: number; seed: number } };
  readonly rows: number;
  readonly cols: number;
  readonly bands: Float64Array[];
}

async function loadSubject(options: SvdOptions, tiny: boolean): Promise<Subject> {
  let image;
  let label: string;
  let source: Subject['source'];
  if (tiny || (options.photo === undefined && !existsSync(DEFAULT_PHOTO))) {
    const synth = tiny
      ? { width: 96, height: 80, seed: 7 }
      : { width: 1064, height: 1064, seed: 1 };
    image = synthesizeImage(synth);
    source = { synth };
    label = tiny
      ? 'synthetic 96x80 RGB (tiny)'
      : `synthetic 1064x1064 RGB (${DEFAULT_PHOTO} is absent)`;
  } else {
    const file = path.resolve(options.photo ?? DEFAULT_PHOTO);
    image = await readTiff(file);
    source = { photo: file };
    label = path.basename(file);
  }
  if (image.bitsPerSample !== 8) {
    throw new BenchOptionError(
      `Expected an 8-bit image for the svd benchmark, got ${image.bitsPerSample}-bit.`,
    );
  }
  const colours = image.alpha ? image.channels - 1 : image.channels;
  const bands: Float64Array[] = [];
  for (let c = 0; c < colours; c++) {
    const band = new Float64Array(image.width * image.height);
    for (let i = 0; i < band.length; i++) band[i] = image.data[i * image.channels + c]!;
    bands.push(band);
  }
  if (options.rank > Math.min(image.width, image.height)) {
    throw new BenchOptionError(
      `Expected --rank to be at most min(width, height) = ${Math.min(image.width, image.height)} for ${label}, got ${options.rank}.`,
    );
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

function timeBand(
  band: Float64Array,
  s: Subject,
  rank: number,
  v: Variant,
  repeat: number,
): { ms: number; pixels: Uint8Array } {
  let best = Number.POSITIVE_INFINITY;
  let pixels: Uint8Array = new Uint8Array(0);
  for (let r = 0; r < repeat; r++) {
    const start = performance.now();
    pixels = toPixels(
      lowRankApproximation(band, s.rows, s.cols, rank, {
        method: v.method,
        ...(v.kernels ? { kernels: v.kernels } : {}),
      }),
    );
    best = Math.min(best, performance.now() - start);
  }
  return { ms: best, pixels };
}

function compare(a: Uint8Array, b: Uint8Array): { equal: number; max: number } {
  let equal = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d === 0) equal++;
    else if (d > max) max = d;
  }
  return { equal, max };
}

const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
folder, rows, cols, rank, bands, repeat = sys.argv[1], *map(int, sys.argv[2:7])
times = []
for b in range(bands):
    a = np.fromfile(f"{folder}/band{b}.u8", dtype=np.uint8).reshape(rows, cols).astype(np.float64)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        out = np.clip(np.floor((u[:, :rank] * s[:rank]) @ vt[:rank]), 0, 255).astype(np.uint8)
        best = min(best, time.perf_counter() - start)
    out.tofile(f"{folder}/numpy{b}.u8")
    times.append(best * 1000)
print(json.dumps({"version": np.__version__, "bandMs": times}))
`;

type NumpyResult =
  | { available: true; version: string; bandMs: number[]; pixels: Uint8Array[] }
  | { available: false; reason: string };

async function runNumpy(s: Subject, rank: number, repeat: number): Promise<NumpyResult> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'svd-bench-'));
  try {
    await writeFile(path.join(folder, 'svd.py'), NUMPY_SCRIPT);
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
    const run = spawnSync('python3', [path.join(folder, 'svd.py'), ...args], {
      env,
      encoding: 'utf8',
    });
    if (run.error)
      return { available: false, reason: `python3 could not start (${run.error.message})` };
    if (run.status !== 0) {
      const reason = /No module named .?numpy/.test(run.stderr)
        ? 'python3 has no NumPy'
        : `python3 failed: ${run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`}`;
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

/** Peak resident memory of a fresh process that compresses the image's bands with the default. */
function peakMemory(s: Subject, rank: number): number | undefined {
  const script = `
    import { lowRankApproximation, readTiff, synthesizeImage } from 'imageprocess';
    const { source, rank } = JSON.parse(process.argv[1]);
    const image = source.photo ? await readTiff(source.photo) : synthesizeImage(source.synth);
    const { width, height, channels } = image;
    const colours = image.alpha ? channels - 1 : channels;
    for (let c = 0; c < colours; c++) {
      const band = new Float64Array(width * height);
      for (let i = 0; i < band.length; i++) band[i] = image.data[i * channels + c];
      const out = lowRankApproximation(band, height, width, rank);
      for (let i = 0; i < out.length; i++) image.data[i * channels + c] = Math.min(255, Math.max(0, Math.floor(out[i])));
    }
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

async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const options = parseSvdOptions(ctx.args, ctx.tiny);
  const s = await loadSubject(options, ctx.tiny);
  const { rank, repeat } = options;
  ctx.log(`${s.label}: ${s.cols}x${s.rows}, ${s.bands.length} bands, rank ${rank}, one thread`);

  // Rounds alternate NumPy and every method, each band once per round, and keep each band's best
  // time: on a shared machine both sides then draw their best from the same stretch of time.
  const steps = repeat * (options.variants.length + 1) + 2;
  let done = 0;
  const warm = Float64Array.from({ length: 64 * 48 }, (_, i) => (i * 37) % 256);
  for (const key of options.variants) {
    const v = VARIANTS[key]!;
    lowRankApproximation(warm, 64, 48, 5, {
      method: v.method,
      ...(v.kernels ? { kernels: v.kernels } : {}),
    });
  }
  let numpy: NumpyResult | undefined;
  const best = new Map<string, { bandMs: number[]; pixels: Uint8Array[] }>();
  for (let round = 0; round < repeat; round++) {
    ctx.signal?.throwIfAborted();
    ctx.progress(done++, steps, `NumPy, round ${round + 1} of ${repeat}`);
    const run = await runNumpy(s, rank, 1);
    if (!numpy || !numpy.available || !run.available) numpy ??= run;
    else numpy.bandMs = numpy.bandMs.map((ms, b) => Math.min(ms, run.bandMs[b]!));
    // Rotate the order each round: whichever runs right after NumPy finds colder caches.
    const order = options.variants.map(
      (_, i) => options.variants[(i + round) % options.variants.length]!,
    );
    for (const key of order) {
      ctx.signal?.throwIfAborted();
      const v = VARIANTS[key]!;
      ctx.progress(done++, steps, `${v.name}, round ${round + 1} of ${repeat}`);
      const record = best.get(key) ?? { bandMs: [], pixels: [] };
      for (const [b, band] of s.bands.entries()) {
        const { ms, pixels } = timeBand(band, s, rank, v, 1);
        record.bandMs[b] = Math.min(record.bandMs[b] ?? Number.POSITIVE_INFINITY, ms);
        record.pixels[b] ??= pixels;
      }
      best.set(key, record);
    }
  }
  numpy ??= { available: false, reason: 'not run' };
  const numpyImage = numpy.available ? numpy.bandMs.reduce((a, b) => a + b, 0) : undefined;

  // The exact reference: ml-matrix's full SVD on the first bands (slow), NumPy on all of them.
  ctx.progress(done++, steps, 'ml-matrix');
  const exactBands = Math.min(options.exactBands, s.bands.length);
  const exact: { ms: number; pixels: Uint8Array }[] = [];
  for (let b = 0; b < exactBands; b++) {
    ctx.signal?.throwIfAborted();
    exact.push(timeBand(s.bands[b]!, s, rank, { name: 'exact', method: 'exact' }, 1));
  }
  const exactBandMs = exact.length ? exact.reduce((a, e) => a + e.ms, 0) / exact.length : undefined;
  const exactImage = exactBandMs === undefined ? undefined : exactBandMs * s.bands.length;
  const numpyPixels = numpy.available ? numpy.pixels : undefined;
  const reference = (b: number): Uint8Array | undefined => numpyPixels?.[b] ?? exact[b]?.pixels;

  const rows: string[][] = [];
  const results: Record<string, unknown>[] = [];
  for (const key of options.variants) {
    const v = VARIANTS[key]!;
    const { bandMs, pixels: bandPixels } = best.get(key)!;
    let equal = 0;
    let compared = 0;
    let max = 0;
    for (const [b, pixels] of bandPixels.entries()) {
      const ref = reference(b);
      if (ref) {
        const c = compare(pixels, ref);
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
        const c = compare(e.pixels, numpyPixels[b]!);
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
    `Times: lowRankApproximation plus floor and clamp per band, best of ${repeat} rounds that alternate NumPy and every method; per image = sum over ${s.bands.length} bands. ` +
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
    `Peak resident memory of a fresh process compressing the image (auto): ${peakMB === undefined ? 'n/a' : `${peakMB.toFixed(0)} MB`}.`,
  );
  ctx.log('Other work on the machine changes these figures: compare ratios taken in the same run.');

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

const svd: SubBenchmark = {
  name: 'svd',
  description:
    'rank-k SVD of one photo: each method against ml-matrix and NumPy, time and agreement',
  usage: SVD_USAGE,
  run,
};
export default svd;
