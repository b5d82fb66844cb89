#!/usr/bin/env node
/**
 * The `imageprocess` command: compress TIFF files in parallel, generate the default images, draw
 * the figure, or run the whole demo. Exit codes: 0 success, 1 some file failed, 2 bad usage.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { array, createPool, range } from 'ppeval';
import type { CallStats } from 'ppeval';
import { compress, compressFile, compressedFileName, serial } from './compress.js';
import type { CompressFileOptions, CompressFileResult } from './compress.js';
import { DEFAULT_IMAGE_COUNT, DEFAULT_IMAGE_SIZE, ensureDefaultImages } from './generate.js';
import { makeFigure } from './figure.js';
import { parseRank } from './rank.js';
import { progressBar } from './progress-bar.js';
import { DEFAULT_IMAGE_DIR, imageDir, outputDir } from './paths.js';
import type { SvdMethod } from './svd/index.js';

class UsageError extends Error {}

// Ctrl-C stops the workers through ppeval's signal (outputs already written stay, complete); a
// second Ctrl-C exits at once.
const interrupt = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write('\ninterrupted: stopping the workers (Ctrl-C again to quit at once)\n');
  interrupt.abort(new Error('interrupted by Ctrl-C'));
  process.once('SIGINT', () => process.exit(130));
});

const METHODS: readonly SvdMethod[] = ['auto', 'lanczos', 'dense', 'exact'];
const COMPRESSIONS = ['none', 'deflate', 'lzw'] as const;

function positiveInteger(name: string, min = 1) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < min) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min}, got '${text}'.`);
    }
    return value;
  };
}

function rankOption(text: string): number {
  try {
    return parseRank(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function message(error: unknown): string {
  if (error instanceof Error) {
    // ppeval wraps an element's error; the worker's own error is the useful part.
    const cause = (error as { cause?: unknown }).cause;
    if ((error as { code?: unknown }).code === 'ERR_PPEVAL_TASK' && cause instanceof Error) {
      return cause.message;
    }
    return error.message;
  }
  return String(error);
}

// ml-matrix 6.15's SVD (the exact method) can loop forever on exactly structured bands; a
// larger timeout would not help there, so the advice is to change method.
const EXACT_HANG_HINT =
  ' With --method exact this usually means that ml-matrix never finishes on this image (it loops forever on bands with exactly repeated rows or columns, such as stripes or checkerboards): use --method auto, whose result equals the exact one.';

function isTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_PPEVAL_TIMEOUT';
}

async function ensureOutDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new UsageError(
      `cannot create the output folder ${dir} (${(error as NodeJS.ErrnoException).code ?? String(error)}): choose a writable folder with --out.`,
    );
  }
}

interface CompressCommandOptions {
  rank: number;
  jobs: number;
  out?: string;
  method: SvdMethod;
  compression: (typeof COMPRESSIONS)[number];
  timeout?: number;
}

async function compressCommand(files: string[], options: CompressCommandOptions): Promise<number> {
  const outDir = outputDir(options.out);
  await ensureOutDir(outDir);
  const inputs = files.map((file) => resolve(file));
  const outputs = inputs.map((input) => join(outDir, compressedFileName(input, options.rank)));
  const seen = new Map<string, string>();
  inputs.forEach((input, i) => {
    const previous = seen.get(outputs[i]!);
    if (previous !== undefined) {
      throw new UsageError(
        `${previous} and ${input} would both be written to ${outputs[i]}: compress them into different --out folders.`,
      );
    }
    seen.set(outputs[i]!, input);
  });
  const fileOptions: CompressFileOptions = {
    method: options.method,
    compression: options.compression,
  };
  const bar = progressBar(inputs.length, 'compress');
  const pool = createPool({ concurrency: Math.min(options.jobs, inputs.length) });
  let outcomes;
  try {
    const run = pool.ppeval.with({
      settle: true,
      signal: interrupt.signal,
      onProgress: (done, total, info) => bar.update(done, total, info),
      ...(options.timeout === undefined ? {} : { timeout: options.timeout * 1000 }),
    });
    outcomes = await run(compressFile, array(inputs), array(outputs), options.rank, fileOptions);
  } finally {
    bar.stop();
    await pool.close();
  }
  let failed = 0;
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') {
      const result = outcome.value as CompressFileResult;
      process.stdout.write(
        `${result.outputPath}  (${result.width}x${result.height}, rank ${result.rank}, PSNR ${result.psnr.toFixed(2)} dB)\n`,
      );
    } else {
      failed++;
      const text = message(outcome.reason);
      // TIFF errors already start with the path; say it once.
      let detail = text.startsWith(`${inputs[i]}: `) ? text.slice(inputs[i]!.length + 2) : text;
      if (options.method === 'exact' && isTimeout(outcome.reason)) detail += EXACT_HANG_HINT;
      process.stderr.write(`error: ${inputs[i]}: ${detail}\n`);
    }
  });
  if (failed > 0) {
    process.stderr.write(
      `${failed} of ${inputs.length} file(s) failed; the other outputs were written.\n`,
    );
    return 1;
  }
  return 0;
}

async function generateCommand(options: {
  dir?: string;
  count: number;
  size: number;
  jobs: number;
  force: boolean;
}): Promise<number> {
  const dir = options.dir === undefined ? DEFAULT_IMAGE_DIR : resolve(options.dir);
  const bar = progressBar(options.count, 'generate');
  try {
    const result = await ensureDefaultImages({
      dir,
      count: options.count,
      width: options.size,
      height: options.size,
      concurrency: options.jobs,
      force: options.force,
      onProgress: (done) => bar.update(done),
    });
    bar.stop();
    process.stdout.write(
      `${result.generated.length} image(s) generated, ${result.kept.length} intact and kept, in ${dir} (${(result.milliseconds / 1000).toFixed(2)} s)\n`,
    );
  } finally {
    bar.stop();
  }
  return 0;
}

async function figureCommand(options: {
  imno: number;
  ranks: number[];
  dir?: string;
  out?: string;
  output?: string;
}): Promise<number> {
  if (imageDir(options.dir) === DEFAULT_IMAGE_DIR) {
    const { generated, milliseconds } = await ensureDefaultImages();
    if (generated.length > 0) {
      process.stdout.write(
        `images: generated ${generated.length} default image(s) in ${(milliseconds / 1000).toFixed(2)} s\n`,
      );
    }
  }
  const result = await makeFigure({
    imno: options.imno,
    ranks: options.ranks,
    imageDir: imageDir(options.dir),
    outDir: outputDir(options.out),
    ...(options.output === undefined ? {} : { output: options.output }),
  });
  process.stdout.write(
    `${result.markdown}\nfigure: ${result.png}\ntable: ${result.markdownPath}, ${result.jsonPath}\n`,
  );
  return 0;
}

async function demoCommand(options: {
  rank: number;
  jobs: number;
  serial: boolean;
  dir?: string;
  out?: string;
}): Promise<number> {
  const inDir = imageDir(options.dir);
  const outDir = outputDir(options.out);
  await ensureOutDir(outDir);
  const count = DEFAULT_IMAGE_COUNT;
  process.stdout.write(
    `imageprocess demo: ${count} images, rank ${options.rank}, ${options.jobs} worker(s) on ${availableParallelism()} core(s)\n`,
  );
  if (inDir === DEFAULT_IMAGE_DIR) {
    const bar = progressBar(count, 'generate');
    const generated = await ensureDefaultImages({
      concurrency: options.jobs,
      onProgress: (done) => bar.update(done),
    }).finally(() => bar.stop());
    process.stdout.write(
      generated.generated.length > 0
        ? `images: generated ${generated.generated.length} of ${count} (${DEFAULT_IMAGE_SIZE}x${DEFAULT_IMAGE_SIZE} RGB) in ${(generated.milliseconds / 1000).toFixed(2)} s into ${inDir}\n`
        : `images: ${count} cached images verified in ${(generated.milliseconds / 1000).toFixed(2)} s (${inDir})\n`,
    );
  } else {
    const missing = range(0, count)
      .map((imno) => `flower${imno}.tif`)
      .filter((name) => !existsSync(join(inDir, name)));
    if (missing.length > 0) {
      throw new Error(
        `${inDir} lacks ${missing.length} of the ${count} demo images (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}). Fill it with \`imageprocess generate --dir ${inDir}\`, or drop --dir and $IMAGEPROCESS_DIR to use the generated set.`,
      );
    }
    process.stdout.write(`images: ${inDir} (from $IMAGEPROCESS_DIR or --dir)\n`);
  }
  const compressOptions = { imageDir: inDir, outDir };
  const pool = createPool({ concurrency: options.jobs });
  try {
    const bar = progressBar(count, 'compress');
    const started = performance.now();
    let stats: CallStats | undefined;
    try {
      await pool.ppeval.with({
        signal: interrupt.signal,
        onProgress: (done, total, info) => bar.update(done, total, info),
        onStats: (s) => (stats = s),
      })(compress, array(range(0, count)), options.rank, compressOptions);
    } finally {
      bar.stop();
    }
    const wall = (performance.now() - started) / 1000;
    const busy =
      stats === undefined
        ? ''
        : `, ${(stats.busyMs / 1000 / count).toFixed(2)} s of work per image, workers ${((100 * stats.busyMs) / (stats.wallMs * options.jobs)).toFixed(0)}% busy`;
    process.stdout.write(
      `parallel: ${count} images compressed at rank ${options.rank} in ${wall.toFixed(2)} s on ${options.jobs} worker(s)${busy}\n`,
    );
    if (options.serial) {
      const startedSerial = performance.now();
      await serial(options.rank, compressOptions);
      const serialWall = (performance.now() - startedSerial) / 1000;
      process.stdout.write(
        `serial:   ${count} images in ${serialWall.toFixed(2)} s in this thread; speedup ${(serialWall / wall).toFixed(2)}x\n`,
      );
    }
  } finally {
    await pool.close();
  }
  const figure = await makeFigure({
    imno: 0,
    ranks: [20, options.rank === 20 ? 50 : options.rank],
    imageDir: inDir,
    outDir,
  });
  process.stdout.write(`\n${figure.markdown}\nfigure: ${figure.png}\n`);
  return 0;
}

/** Builds the command-line program. */
function buildProgram(): Command {
  const program = new Command();
  const run = (task: () => Promise<number>): Promise<void> =>
    task().then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        if (interrupt.signal.aborted) {
          process.stderr.write('interrupted: files written before the interrupt are complete.\n');
          process.exitCode = 130;
          return;
        }
        process.stderr.write(`error: ${message(error)}\n`);
        process.exitCode = error instanceof UsageError ? 2 : 1;
      },
    );
  const jobs = (): Option =>
    new Option('-j, --jobs <n>', 'worker threads')
      .argParser(positiveInteger('--jobs'))
      .default(availableParallelism(), 'available cores');
  program
    .name('imageprocess')
    .description(
      "Star-P's image-compression demo: rank-k SVD of every colour band of TIFF images, in parallel with ppeval.",
    )
    .showHelpAfterError('(run with --help for usage)');
  program.exitOverride((error) => {
    // Usage errors from commander exit 2; --help and --version exit 0.
    process.exit(error.exitCode === 0 ? 0 : 2);
  });
  program
    .command('compress')
    .description(
      'compress TIFF files at a rank, in parallel; every file is tried even when others fail',
    )
    .requiredOption('-r, --rank <R>', 'rank: 1 to min(width, height) of each image', rankOption)
    .addOption(jobs())
    .option(
      '-o, --out <dir>',
      'output folder (default: $IMAGEPROCESS_OUT, else examples/imageprocess/out)',
    )
    .addOption(
      new Option(
        '--method <m>',
        "SVD method ('exact' is ml-matrix's slow reference, which can run forever on striped or checkered images: pair it with --timeout)",
      )
        .choices(METHODS)
        .default('auto'),
    )
    .addOption(
      new Option('--compression <c>', 'TIFF compression of the outputs')
        .choices(COMPRESSIONS)
        .default('none'),
    )
    .option(
      '--timeout <seconds>',
      'give up on a file after this many seconds (its worker is stopped; default: no limit)',
      positiveInteger('--timeout'),
    )
    .argument('<files...>', 'TIFF files to compress')
    .action((files: string[], options: CompressCommandOptions) =>
      run(() => compressCommand(files, options)),
    );
  program
    .command('generate')
    .description('generate (or verify and repair) the deterministic default images')
    .option('-d, --dir <dir>', 'folder (default: examples/imageprocess/data)')
    .option('-n, --count <n>', 'number of images', positiveInteger('--count'), DEFAULT_IMAGE_COUNT)
    .option(
      '-s, --size <px>',
      'width and height in pixels',
      positiveInteger('--size'),
      DEFAULT_IMAGE_SIZE,
    )
    .addOption(jobs())
    .option('-f, --force', 'regenerate even intact images', false)
    .action((options: Parameters<typeof generateCommand>[0]) =>
      run(() => generateCommand(options)),
    );
  program
    .command('figure')
    .description(
      'the original, compress(imno, 20) and compress(imno, 50) side by side, with PSNR and storage ratio',
    )
    .option('-i, --imno <n>', 'image number', positiveInteger('--imno', 0), 0)
    .option(
      '--ranks <list>',
      'comma-separated ranks',
      (text) => text.split(',').map((part) => rankOption(part)),
      [20, 50],
    )
    .option('-d, --dir <dir>', 'input folder (default: $IMAGEPROCESS_DIR, else the generated set)')
    .option(
      '-o, --out <dir>',
      'output folder (default: $IMAGEPROCESS_OUT, else examples/imageprocess/out)',
    )
    .option('--output <file>', 'path of the PNG (default: <out>/figure<imno>.png)')
    .action((options: Parameters<typeof figureCommand>[0]) => run(() => figureCommand(options)));
  program
    .command('demo')
    .description(
      'the main job: generate the images if needed, compress 16 in parallel with timing, draw the figure',
    )
    .option('-r, --rank <R>', 'rank', rankOption, 50)
    .addOption(jobs())
    .option('--serial', 'also run the serial loop and print the speedup', false)
    .option('-d, --dir <dir>', 'input folder (default: $IMAGEPROCESS_DIR, else the generated set)')
    .option(
      '-o, --out <dir>',
      'output folder (default: $IMAGEPROCESS_OUT, else examples/imageprocess/out)',
    )
    .action((options: Parameters<typeof demoCommand>[0]) => run(() => demoCommand(options)));
  return program;
}

await buildProgram().parseAsync(process.argv);
