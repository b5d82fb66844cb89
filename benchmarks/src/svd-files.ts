/**
 * The svd benchmark's comparison a user would make: our `compressFile` against SciPy's truncated
 * SVD (`scipy.sparse.linalg.svds`, PROPACK and ARPACK) and NumPy's full `np.linalg.svd`, each
 * FILE TO FILE on the same TIFF: read, a rank-k SVD of every colour band, rebuild, floor and
 * clamp, write. One thread on both sides. Runs are interleaved (ours, PROPACK, ARPACK, ours, ...,
 * the starting point rotating from round to round) after untimed warm-up rounds, and each figure
 * is the median over the timed rounds. The outputs are compared sample by sample with NumPy's
 * full-SVD rebuild, so that a fast but inexact result cannot pass unseen.
 */
import path from 'node:path';
import { compressFile, readTiff } from 'imageprocess';
import type { PythonServer, PythonSolver } from './python.js';
import { formatDuration, formatTable } from './report.js';
import { summarize } from './stats.js';
import {
  compareSamples,
  fasterSolver,
  formatAgreement,
  formatRatio,
  fullSvdTimingRank,
  timeRatio,
} from './svd-compare.js';
import type { Agreement } from './svd-compare.js';
import type { BenchContext } from './types.js';

/** One input image of the comparison. */
export interface FilePhoto {
  /** For the report: the file name, or what was synthesized. */
  readonly label: string;
  readonly file: string;
  readonly width: number;
  readonly height: number;
}

/** A side of the comparison: ours, or Python with one solver. */
type Side = 'ours' | PythonSolver;

const SIDE_NAMES: Record<Side, string> = {
  ours: 'ours (compressFile)',
  propack: "SciPy svds, solver='propack'",
  arpack: "SciPy svds, solver='arpack'",
  full: 'NumPy np.linalg.svd (full)',
};

/** The figures of one rank of one photo. */
export interface FileRankResult {
  readonly rank: number;
  /** Median ms of each side; null where not measured. */
  readonly oursMs: number | null;
  readonly propackMs: number | null;
  readonly arpackMs: number | null;
  /** NumPy's full SVD, timed at one rank (rank-independent) and repeated in every row. */
  readonly numpyFullMs: number | null;
  readonly samplesMs: Partial<Record<Side, number[]>>;
  readonly oursVsFasterScipy: number | null;
  readonly fasterScipy: 'propack' | 'arpack' | null;
  readonly oursVsPropack: number | null;
  readonly oursVsArpack: number | null;
  readonly oursVsNumpyFull: number | null;
  /** Agreement of each output with NumPy's full-SVD rebuild at this rank. */
  readonly agreement: Partial<Record<'ours' | 'propack' | 'arpack', Agreement>>;
}

/** What the file-to-file section returns for one photo. */
export interface FilePhotoResult {
  readonly photo: string;
  readonly width: number;
  readonly height: number;
  readonly numpyFullTimedAtRank: number | null;
  readonly ranks: FileRankResult[];
}

/** Settings of the file-to-file section. */
export interface FileComparisonOptions {
  readonly photos: readonly FilePhoto[];
  readonly ranks: readonly number[];
  readonly repeat: number;
  readonly warmup: number;
  /** The Python server, or undefined when it cannot run (ours only). */
  readonly python: PythonServer | undefined;
  /** A temporary folder for the outputs. */
  readonly outDir: string;
}

/**
 * Run the file-to-file comparison and print its table per photo.
 *
 * @example
 * const results = await runFileComparison(ctx, { photos, ranks: [20, 50, 100], repeat: 3, warmup: 1, python, outDir });
 */
export async function runFileComparison(
  ctx: BenchContext,
  options: FileComparisonOptions,
): Promise<FilePhotoResult[]> {
  const { photos, ranks, repeat, warmup, python, outDir } = options;
  const sides: Side[] = ['ours'];
  if (python?.hasScipy) sides.push('propack', 'arpack');
  const hasFull = python?.hasNumpy === true;
  const timingRank = fullSvdTimingRank(ranks);
  const output = (p: number, rank: number, side: Side): string =>
    path.join(outDir, `photo${p}_rank${rank}_${side}.tif`);

  // Every (photo, rank, side) once per round; NumPy's full SVD only at the timing rank, except
  // in the first round, which also gives it the reference output of every other rank.
  type Step = { p: number; rank: number; side: Side };
  const rounds = warmup + repeat;
  const steps: { round: number; step: Step }[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [p] of photos.entries()) {
      for (const rank of ranks) {
        const here: Side[] = [...sides];
        if (hasFull && (rank === timingRank || round === 0)) here.push('full');
        // The rotation keeps one side from always running first, right after another rank's
        // last run (warm or cold caches).
        const rotated = here.map((_, i) => here[(i + round) % here.length]!);
        for (const side of rotated) steps.push({ round, step: { p, rank, side } });
      }
    }
  }
  const samples = new Map<string, number[]>();
  const key = (p: number, rank: number, side: Side): string => `${p}/${rank}/${side}`;
  for (const [i, { round, step }] of steps.entries()) {
    ctx.signal?.throwIfAborted();
    const warm = round < warmup;
    const { p, rank, side } = step;
    const photo = photos[p]!;
    ctx.progress(
      i,
      steps.length,
      `file to file, ${warm ? 'warm-up' : `round ${round - warmup + 1}/${repeat}`}: ${photo.label}, rank ${rank}, ${side}`,
    );
    let ms: number;
    if (side === 'ours') {
      const start = performance.now();
      await compressFile(photo.file, output(p, rank, side), rank);
      ms = performance.now() - start;
    } else {
      ms = await python!.compress(photo.file, output(p, rank, side), rank, side);
    }
    if (!warm) {
      const list = samples.get(key(p, rank, side)) ?? [];
      list.push(ms);
      samples.set(key(p, rank, side), list);
    }
  }
  ctx.progress(steps.length, steps.length, 'file to file: comparing the outputs');

  const median = (p: number, rank: number, side: Side): number | null => {
    const list = samples.get(key(p, rank, side));
    return list && list.length > 0 ? summarize(list).median : null;
  };
  const results: FilePhotoResult[] = [];
  for (const [p, photo] of photos.entries()) {
    const fullMs = hasFull ? median(p, timingRank, 'full') : null;
    const rows: FileRankResult[] = [];
    for (const rank of ranks) {
      const ours = median(p, rank, 'ours');
      const propack = median(p, rank, 'propack');
      const arpack = median(p, rank, 'arpack');
      const faster = fasterSolver(propack, arpack);
      const agreement: FileRankResult['agreement'] = {};
      if (hasFull) {
        const reference = (await readTiff(output(p, rank, 'full'))).data;
        for (const side of sides as ('ours' | 'propack' | 'arpack')[]) {
          agreement[side] = compareSamples((await readTiff(output(p, rank, side))).data, reference);
        }
      }
      const samplesMs: FileRankResult['samplesMs'] = {};
      for (const side of [...sides, 'full' as const]) {
        const list = samples.get(key(p, rank, side));
        if (list) samplesMs[side] = list;
      }
      rows.push({
        rank,
        oursMs: ours,
        propackMs: propack,
        arpackMs: arpack,
        numpyFullMs: fullMs,
        samplesMs,
        oursVsFasterScipy: timeRatio(ours, faster?.ms ?? null),
        fasterScipy: faster?.solver ?? null,
        oursVsPropack: timeRatio(ours, propack),
        oursVsArpack: timeRatio(ours, arpack),
        oursVsNumpyFull: timeRatio(ours, fullMs),
        agreement,
      });
    }
    results.push({
      photo: photo.label,
      width: photo.width,
      height: photo.height,
      numpyFullTimedAtRank: fullMs === null ? null : timingRank,
      ranks: rows,
    });
    printPhoto(ctx, photo, rows, timingRank, fullMs !== null);
  }
  if (!hasFull) {
    ctx.log(
      `File to file, one thread: ${SIDE_NAMES.ours} only (no usable Python). Median of ${repeat} round(s) after ${warmup} warm-up round(s).`,
    );
    ctx.log('');
    return results;
  }
  const python3 = `${python!.interpreter} (${python!.hello.executable}, Python ${python!.hello.python}; ${Object.entries(
    python!.hello.versions,
  )
    .map(([m, v]) => `${m} ${v}`)
    .join(', ')})`;
  ctx.log(
    `File to file, one thread each side: ${SIDE_NAMES.ours}, then ${python3} with Pillow reading and writing the TIFF and, per colour band, ` +
      `${python?.hasScipy ? `${SIDE_NAMES.propack} and ${SIDE_NAMES.arpack} (k=rank, float64, random_state=0), ` : ''}` +
      `${hasFull ? `${SIDE_NAMES.full}, ` : ''}rebuild U S Vt, floor, clamp to 0..255; OPENBLAS/OMP/MKL_NUM_THREADS=1. ` +
      `Median of ${repeat} round(s) after ${warmup} warm-up round(s), runs interleaved and rotating.` +
      (hasFull
        ? ` NumPy full is timed at rank ${timingRank} only (its time does not depend on the rank); its rebuild at each rank is the reference for "= full".`
        : ''),
  );
  ctx.log('');
  return results;
}

function printPhoto(
  ctx: BenchContext,
  photo: FilePhoto,
  rows: readonly FileRankResult[],
  timingRank: number,
  hasFull: boolean,
): void {
  const ms = (v: number | null): string => (v === null ? 'n/a' : formatDuration(v));
  ctx.log(`### ${photo.label} (${photo.width}x${photo.height}), file to file`);
  ctx.log('');
  const table = rows.map((r) => [
    String(r.rank),
    ms(r.oursMs),
    ms(r.propackMs),
    ms(r.arpackMs),
    hasFull ? `${ms(r.numpyFullMs)}${r.rank === timingRank ? '' : '*'}` : 'n/a',
    r.fasterScipy === null
      ? 'n/a'
      : `${formatRatio(r.oursVsFasterScipy)} (${r.fasterScipy === 'propack' ? 'PROPACK' : 'ARPACK'})`,
    formatRatio(r.oursVsPropack),
    formatRatio(r.oursVsArpack),
    formatRatio(r.oursVsNumpyFull),
    formatAgreement(r.agreement.ours ?? null),
    formatAgreement(r.agreement.propack ?? null),
    formatAgreement(r.agreement.arpack ?? null),
  ]);
  const headers = [
    'rank',
    'ours',
    'PROPACK',
    'ARPACK',
    'NumPy full',
    'ours / faster SciPy',
    'ours / PROPACK',
    'ours / ARPACK',
    'ours / NumPy full',
    'ours = full',
    'PROPACK = full',
    'ARPACK = full',
  ];
  for (const line of formatTable(headers, table)) ctx.log(line);
  if (hasFull && rows.some((r) => r.rank !== timingRank)) {
    ctx.log(`\n* NumPy full timed at rank ${timingRank}: the full SVD costs the same at any rank.`);
  }
  ctx.log('');
}
