/**
 * `npm run bench -- svd`: how fast our rank-k SVD is, against what a user would compare it
 * with. Two tables: file to file, `compressFile` against SciPy's truncated `svds` (PROPACK and
 * ARPACK) and NumPy's full SVD on the same TIFFs at ranks 20, 50 and 100 (svd-files.ts); then
 * per method and per band on one photo, against ml-matrix and NumPy (svd-methods.ts).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTiff, synthesizeImage, writeTiff } from 'imageprocess';
import { BenchOptionError } from './errors.js';
import { integerOption, parseBenchOptions } from './options.js';
import { missingModulesMessage, openPython, pythonInterpreter, PYTHON_ENV } from './python.js';
import type { PythonServer } from './python.js';
import { parseRankList } from './svd-compare.js';
import { runFileComparison } from './svd-files.js';
import type { FilePhoto } from './svd-files.js';
import {
  DEFAULT_VARIANTS,
  VARIANTS,
  loadMethodSubject,
  runMethodComparison,
} from './svd-methods.js';
import type { BenchContext, SubBenchmark } from './types.js';

// $PPEVAL_BENCH_PHOTOS_DIR stands in for ../shared/data/photos (e.g. an empty folder, to
// check the synthesized fallback on a machine that has the photos).
const PHOTOS_DIR =
  process.env['PPEVAL_BENCH_PHOTOS_DIR'] ||
  fileURLToPath(new URL('../../../shared/data/photos/', import.meta.url));
/**
 * A square photo of the seed's size and a non-square one (a natural photograph, 1024x768: wide,
 * so the transposing path of our SVD is timed too).
 */
const DEFAULT_PHOTOS = [
  path.join(PHOTOS_DIR, 'photo01_flower_left.tif'),
  path.join(PHOTOS_DIR, 'extra', 'extra_scipy_face_1024x768.tif'),
];
/** What replaces them when ../shared/data is absent: the same shapes, synthesized. */
const SYNTHETIC = [
  { width: 1064, height: 1064, seed: 1 },
  { width: 1024, height: 768, seed: 2 },
];
const TINY = { width: 96, height: 80, seed: 7 };

interface SvdOptions {
  photos: string[] | undefined;
  ranks: number[];
  rank: number;
  variants: string[];
  exactBands: number;
  repeat: number;
  warmup: number;
  python: string;
}

/** One line per option, for `npm run bench -- svd --help`. */
const SVD_USAGE = [
  '  --photos LIST      comma-separated TIFF files (default ../shared/data/photos/',
  '                     photo01_flower_left.tif and extra/extra_scipy_face_1024x768.tif;',
  '                     synthetic images of the same sizes when absent); the first one is',
  "                     also the per-method table's",
  '  --ranks LIST       ranks of the file-to-file table (default 20,50,100; --tiny: 5)',
  '  --rank K           rank of the per-method table (default 50; --tiny: 5)',
  `  --methods LIST     per-method table, comma-separated, from ${Object.keys(VARIANTS).join(', ')}`,
  `                     (default ${DEFAULT_VARIANTS.join(',')})`,
  "  --exact-bands N    bands also run through ml-matrix's full SVD, about 25 s each at",
  '                     1064x1064 (default 1; --tiny: 3)',
  '  --repeat N         timed rounds; each figure is the median (default 3; --tiny: 1)',
  '  --warmup N         untimed rounds first, every variant at full size (default 1)',
  `  --python PATH      the Python interpreter (default $${PYTHON_ENV}, else python3); it needs`,
  '                     NumPy, SciPy and Pillow (pip install numpy scipy pillow)',
].join('\n');

function parseSvdOptions(args: readonly string[], tiny: boolean): SvdOptions {
  const values = parseBenchOptions('svd', args, [
    'photos',
    'ranks',
    'rank',
    'methods',
    'exact-bands',
    'repeat',
    'warmup',
    'python',
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
  let photos: string[] | undefined;
  if (values['photos'] !== undefined) {
    photos = values['photos']
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    if (photos.length === 0) {
      throw new BenchOptionError('Expected --photos to list at least one TIFF file, got none.');
    }
    for (const p of photos) {
      if (!existsSync(p)) {
        throw new BenchOptionError(
          `Expected --photos to name TIFF files, got \`${p}\`, which does not exist.`,
        );
      }
    }
  }
  return {
    photos,
    ranks:
      values['ranks'] === undefined
        ? tiny
          ? [5]
          : [20, 50, 100]
        : parseRankList(values['ranks'], 'ranks'),
    rank: integerOption('rank', values['rank'], tiny ? 5 : 50, 1),
    variants,
    exactBands: integerOption('exact-bands', values['exact-bands'], tiny ? 3 : 1, 0),
    repeat: integerOption('repeat', values['repeat'], tiny ? 1 : 3, 1),
    warmup: integerOption('warmup', values['warmup'], 1, 0),
    python: pythonInterpreter(values['python']),
  };
}

/** The photos to use, synthesizing (into `tmp`) what is absent, with a note for the report. */
async function choosePhotos(
  options: SvdOptions,
  tiny: boolean,
  tmp: string,
): Promise<{ photos: FilePhoto[]; note: string | undefined }> {
  const describe = async (file: string, label: string): Promise<FilePhoto> => {
    const image = await readTiff(file);
    return { label, file, width: image.width, height: image.height };
  };
  const synthesize = async (
    synth: { width: number; height: number; seed: number },
    why: string,
  ): Promise<FilePhoto> => {
    const file = path.join(tmp, `synthetic-${synth.width}x${synth.height}.tif`);
    await writeTiff(file, synthesizeImage(synth));
    return describe(file, `synthetic ${synth.width}x${synth.height} RGB${why}`);
  };
  if (tiny && options.photos === undefined) {
    return { photos: [await synthesize(TINY, ' (tiny)')], note: undefined };
  }
  if (options.photos !== undefined) {
    const photos = await Promise.all(
      options.photos.map((f) => describe(path.resolve(f), path.basename(f))),
    );
    return { photos, note: undefined };
  }
  const photos: FilePhoto[] = [];
  const absent: string[] = [];
  for (const [i, file] of DEFAULT_PHOTOS.entries()) {
    if (existsSync(file)) photos.push(await describe(file, path.basename(file)));
    else {
      absent.push(file);
      photos.push(await synthesize(SYNTHETIC[i]!, ` (stand-in for ${path.basename(file)})`));
    }
  }
  const note =
    absent.length === 0
      ? undefined
      : `Note: ${absent.join(' and ')} ${absent.length > 1 ? 'are' : 'is'} absent (no ../shared/data here): ` +
        'synthesized images of the same sizes stand in (imageprocess synthesizeImage). Pass --photos to use real photographs.';
  return { photos, note };
}

async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const options = parseSvdOptions(ctx.args, ctx.tiny);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'ppeval-bench-svd-'));
  let python: PythonServer | undefined;
  try {
    const { photos, note } = await choosePhotos(options, ctx.tiny, tmp);
    for (const photo of photos) {
      const max = Math.min(photo.width, photo.height) - 1;
      const bad = options.ranks.find((r) => r > max);
      if (bad !== undefined) {
        throw new BenchOptionError(
          `Expected --ranks below min(width, height) = ${max + 1} of ${photo.label} (SciPy's svds needs k < min(rows, cols)), got ${bad}.`,
        );
      }
    }
    if (note) ctx.log(note);
    const load = os.loadavg()[0] ?? 0;
    if (load > 0.5 * os.availableParallelism()) {
      ctx.log(
        `Note: load average ${load.toFixed(2)} at the start: other processes were using the CPU, so treat these figures as noisy (the ratios, taken side by side, less so).`,
      );
    }
    const opened = await openPython(options.python);
    let pythonNote: string | undefined;
    if ('hello' in opened) {
      python = opened;
      pythonNote = missingModulesMessage(options.python, opened.hello);
    } else {
      pythonNote = `${opened.reason}.`;
    }
    if (pythonNote !== undefined) {
      ctx.log(
        `SciPy not measured: ${pythonNote} ${python?.hasNumpy ? 'NumPy full SVD still measured, with our figures.' : 'Our figures only.'}`,
      );
    }
    ctx.log('');
    const files = await runFileComparison(ctx, {
      photos,
      ranks: options.ranks,
      repeat: options.repeat,
      warmup: options.warmup,
      python,
      outDir: tmp,
    });
    const first = photos[0]!;
    const subject = await loadMethodSubject({ photo: first.file }, first.label);
    const methods = await runMethodComparison(ctx, subject, {
      rank: options.rank,
      variants: options.variants,
      exactBands: options.exactBands,
      repeat: options.repeat,
      warmup: options.warmup,
      python: options.python,
    });
    return {
      python: python
        ? {
            interpreter: options.python,
            executable: python.hello.executable,
            version: python.hello.python,
            modules: python.hello.versions,
            missing: python.hello.missing,
            scipyMeasured: python.hasScipy,
            note: pythonNote ?? null,
          }
        : { interpreter: options.python, scipyMeasured: false, note: pythonNote ?? null },
      photosNote: note ?? null,
      repeat: options.repeat,
      warmup: options.warmup,
      fileToFile: files,
      perMethod: methods,
      loadAverage1mAtEnd: os.loadavg()[0] ?? 0,
    };
  } finally {
    await python?.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

const svd: SubBenchmark = {
  name: 'svd',
  description:
    'rank-k SVD: compressFile against SciPy svds (PROPACK, ARPACK) and NumPy, file to file; each method per band',
  usage: SVD_USAGE,
  run,
};
export default svd;
