/**
 * The seed's `compress(imno, rank)`: a rank-k SVD of every colour band of a TIFF image, with the
 * layers under it (`compressFile`, `compressImage`) exported for users.
 */
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { array, ppeval, range } from 'ppeval';
import { lowRankBands } from './svd/index.js';
import type { SvdMethod } from './svd/index.js';
import { readLentTiff, writeOwnedTiff } from './tiff/io.js';
import type { TiffImage } from './tiff/index.js';
import { ImageprocessError, checkOptionKeys, describeValue } from './errors.js';
import { checkRankRange, parseRank } from './rank.js';
import { DEFAULT_IMAGE_DIR, imageDir, outputDir } from './paths.js';
import { DEFAULT_IMAGE_COUNT, ensureDefaultImages } from './generate.js';
import { LentBytes, unzeroedBytes } from './lent-bytes.js';

/** Options of {@link compressImage}. */
export interface CompressImageOptions {
  /**
   * The SVD algorithm (see the svd module): `'auto'` picks the fast exact-to-the-sample method.
   * @default 'auto'
   */
  method?: SvdMethod;
}

/** Options of {@link compressFile}: those of {@link compressImage} plus the output encoding. */
export interface CompressFileOptions extends CompressImageOptions {
  /**
   * Compression of the written TIFF (lossless; it changes the file size, not the pixels).
   * @default 'none'
   */
  compression?: 'none' | 'deflate' | 'lzw';
}

/** Options of {@link compress}, {@link serial} and {@link parallel}'s per-image work. */
export interface CompressOptions extends CompressFileOptions {
  /**
   * Folder of the `flower<imno>.tif` inputs.
   * @default $IMAGEPROCESS_DIR, else the example's generated set (examples/imageprocess/data)
   */
  imageDir?: string;
  /**
   * Folder the `compressed<imno>_<rank>.tif` outputs go to (created when missing).
   * @default $IMAGEPROCESS_OUT, else examples/imageprocess/out
   */
  outDir?: string;
}

/** What {@link compressFile} did. */
export interface CompressFileResult {
  /** The input file, resolved. */
  inputPath: string;
  /** The written file, resolved. */
  outputPath: string;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  bitsPerSample: 8 | 16;
  /** The rank used, as an integer. */
  rank: number;
  /** Peak signal-to-noise ratio of the colour bands against the input, in dB (Infinity if equal). */
  psnr: number;
  /** Numbers kept by a rank-k factorization per band, over the band's samples: k(w+h+1)/(wh). */
  storageRatio: number;
}

const IMAGE_OPTION_KEYS = ['method'] as const;
const FILE_OPTION_KEYS = ['method', 'compression'] as const;
const COMPRESS_OPTION_KEYS = ['method', 'compression', 'imageDir', 'outDir'] as const;
const METHODS: readonly SvdMethod[] = ['auto', 'lanczos', 'dense', 'exact'];
const COMPRESSIONS = ['none', 'deflate', 'lzw'] as const;

// Checked before any file is read: a misspelt method or compression would otherwise surface
// only after decoding and an SVD (or, through ppeval, once per image).
function checkOptionValues(options: CompressOptions | undefined): void {
  const method: unknown = options?.method;
  if (method !== undefined && !METHODS.includes(method as SvdMethod)) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `Expected the \`method\` option to be one of ${METHODS.map((m) => `'${m}'`).join(', ')}, got ${describeValue(method)}.`,
    );
  }
  const compression: unknown = options?.compression;
  if (compression !== undefined && !(COMPRESSIONS as readonly unknown[]).includes(compression)) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `Expected the \`compression\` option to be one of ${COMPRESSIONS.map((c) => `'${c}'`).join(', ')}, got ${describeValue(compression)}.`,
    );
  }
  imageDir(options?.imageDir);
  outputDir(options?.outDir);
}

/**
 * Compresses decoded pixels: each colour band (a height x width matrix) is replaced by its best
 * rank-`rank` approximation, floored and clamped to the sample range, as the original did with
 * NumPy. Gray stays gray, an alpha channel is copied unchanged, 16-bit stays 16-bit.
 *
 * @param image - Decoded pixels, e.g. from `readTiff`.
 * @param rank - 1 to min(width, height); a numeric string such as `'50'` is accepted.
 * @returns A new image of the same kind; the input is not modified.
 * @throws {ImageprocessError} `ERR_IMAGEPROCESS_RANK` or `ERR_IMAGEPROCESS_ARGUMENT`.
 * @example
 * const small = compressImage(await readTiff('flower0.tif'), 50);
 */
export function compressImage(
  image: TiffImage,
  rank: number | string,
  options?: CompressImageOptions,
): TiffImage {
  return compressWithError(image, rank, options).image;
}

/** {@link compressImage} plus the PSNR of the result, computed while the samples are written. */
function compressWithError(
  image: TiffImage,
  rank: number | string,
  options?: CompressImageOptions,
  lendOutput: (length: number) => Uint8Array = unzeroedBytes,
): { image: TiffImage; psnr: number } {
  checkOptionKeys('compressImage', options, IMAGE_OPTION_KEYS);
  checkOptionValues(options);
  checkImage(image);
  const k = parseRank(rank);
  checkRankRange(k, image.width, image.height);
  const { width, height, channels, bitsPerSample, alpha, data } = image;
  const method = options?.method ?? 'auto';
  const maxValue = bitsPerSample === 8 ? 255 : 65535;
  // Every sample of `out` is written below (each colour band by lowRankBands, alpha copied):
  // 8-bit samples need no zeroed memory, whose page faults cost 1.3 ms for a 3.4 MB image.
  const out = bitsPerSample === 8 ? lendOutput(data.length) : new Uint16Array(data.length);
  const colorBands = alpha ? channels - 1 : channels;
  const squaredError = lowRankBands(
    data,
    out,
    channels,
    colorBands,
    height,
    width,
    k,
    method,
    maxValue,
  );
  if (alpha) {
    for (let i = channels - 1; i < data.length; i += channels) out[i] = data[i]!;
  }
  const mse = squaredError / (width * height * colorBands);
  return {
    image: { width, height, channels, bitsPerSample, alpha, data: out },
    psnr: squaredError === 0 ? Infinity : 10 * Math.log10((maxValue * maxValue) / mse),
  };
}

/**
 * Reads a TIFF, compresses it with {@link compressImage} and writes the result as a TIFF of the
 * same kind, atomically (an error never leaves a half-written file). The output folder is
 * created when missing.
 *
 * @returns What was done, with the PSNR and storage ratio.
 * @throws TiffError for unreadable, corrupt or unsupported inputs; ImageprocessError for a bad
 *   rank, argument or output folder.
 * @example
 * const { psnr } = await compressFile('in.tif', 'out/in_20.tif', 20);
 */
export async function compressFile(
  inputPath: string,
  outputPath: string,
  rank: number | string,
  options?: CompressFileOptions,
): Promise<CompressFileResult> {
  checkOptionKeys('compressFile', options, FILE_OPTION_KEYS);
  checkOptionValues(options);
  checkPath('inputPath', inputPath);
  checkPath('outputPath', outputPath);
  const k = parseRank(rank);
  const input = resolve(inputPath);
  const output = resolve(outputPath);
  if (input === output) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `The output path is the input file ${input}: choose another output path, the input must stay intact.`,
      { path: input },
    );
  }
  // The input's bytes and the output's samples never leave this call: both are kept for the
  // next call of this thread (see LentBytes), given back once nothing reads them.
  const { image, lent } = await readLentTiff(input, (length) => keptInput.lend(length));
  let compressed: TiffImage;
  let quality: number;
  try {
    checkRankRange(k, image.width, image.height, input);
    ({ image: compressed, psnr: quality } = compressWithError(
      image,
      k,
      options?.method ? { method: options.method } : undefined,
      (length) => keptOutput.lend(length),
    ));
  } finally {
    if (lent) keptInput.giveBack(lent);
  }
  try {
    await ensureWritableDir(dirname(output));
    await writeCompressed(output, compressed, options?.compression);
  } finally {
    if (compressed.data instanceof Uint8Array) keptOutput.giveBack(compressed.data);
  }
  return {
    inputPath: input,
    outputPath: output,
    width: image.width,
    height: image.height,
    channels: image.channels,
    bitsPerSample: image.bitsPerSample,
    rank: k,
    psnr: quality,
    storageRatio: storageRatio(k, image.width, image.height),
  };
}

/** Where compressFile keeps its input's bytes and its output's samples (16 MiB each at most). */
const keptInput = new LentBytes(16 << 20);
const keptOutput = new LentBytes(16 << 20);

/** compressFile's write: the compressed image is its own, written without a copy of its samples. */
async function writeCompressed(
  output: string,
  compressed: TiffImage,
  compression: CompressFileOptions['compression'],
): Promise<void> {
  try {
    await writeOwnedTiff(output, compressed, compression ? { compression } : undefined);
  } catch (error) {
    if (isFileSystemError(error)) {
      throw new ImageprocessError(
        'ERR_IMAGEPROCESS_OUTPUT',
        `Cannot write ${output}: ${(error as Error).message}. Choose a writable output folder.`,
        { cause: error, path: output },
      );
    }
    throw error;
  }
}

/**
 * The seed's function: reads `flower<imno>.tif` from the image folder, compresses it at `rank`
 * and writes `compressed<imno>_<rank>.tif` to the output folder. Returns 0, as the original did.
 * Folders come from the options, else `$IMAGEPROCESS_DIR` / `$IMAGEPROCESS_OUT`, else the
 * example's defaults (see paths.ts). Run `imageprocess generate` (or {@link ensureDefaultImages})
 * first when using the default folder.
 *
 * @param imno - Image number: an integer from 0 (a numeric string is accepted).
 * @param rank - 1 to min(width, height) of the image (a numeric string is accepted).
 * @example
 * const codes = await ppeval(compress, array(range(0, 16)), 50); // [0, 0, …]
 */
export async function compress(
  imno: number | string,
  rank: number | string,
  options?: CompressOptions,
): Promise<0> {
  checkOptionKeys('compress', options, COMPRESS_OPTION_KEYS);
  checkOptionValues(options);
  const n = parseImageNumber(imno);
  const k = parseRank(rank);
  const input = join(imageDir(options?.imageDir), `flower${n}.tif`);
  const output = join(outputDir(options?.outDir), `compressed${n}_${k}.tif`);
  await assertReadable(input);
  const fileOptions: CompressFileOptions = {};
  if (options?.method !== undefined) fileOptions.method = options.method;
  if (options?.compression !== undefined) fileOptions.compression = options.compression;
  await compressFile(input, output, k, fileOptions);
  return 0;
}

/** Options of {@link parallel}: those of {@link compress} plus the parallelism. */
export interface ParallelOptions extends CompressOptions {
  /**
   * Worker threads (Star-P's np).
   * @default os.availableParallelism()
   */
  concurrency?: number;
}

/**
 * The seed's serial loop: `compress(i, rank)` for the 16 images, one after the other in this
 * thread. The default images are generated first when the default folder is used.
 *
 * @example
 * await serial(50); // [0, 0, …] (16 zeros)
 */
export async function serial(rank: number | string = 50, options?: CompressOptions): Promise<0[]> {
  checkOptionKeys('serial', options, COMPRESS_OPTION_KEYS);
  checkOptionValues(options);
  parseRank(rank);
  await prepareDefaultImages(options?.imageDir);
  const codes: 0[] = [];
  for (const imno of range(0, DEFAULT_IMAGE_COUNT)) codes.push(await compress(imno, rank, options));
  return codes;
}

/**
 * The seed's parallel call, `ppeval(compress, array(range(0, 16)), 50)`: the 16 images
 * compressed on every core, the codes gathered in order. The default images are generated first
 * when the default folder is used.
 *
 * @example
 * await parallel(50, { concurrency: 4 }); // [0, 0, …] (16 zeros)
 */
export async function parallel(
  rank: number | string = 50,
  options?: ParallelOptions,
): Promise<0[]> {
  checkOptionKeys('parallel', options, [...COMPRESS_OPTION_KEYS, 'concurrency']);
  checkOptionValues(options);
  parseRank(rank);
  await prepareDefaultImages(options?.imageDir);
  if (options === undefined) return ppeval(compress, array(range(0, DEFAULT_IMAGE_COUNT)), rank);
  const { concurrency, ...perImage } = options;
  const run = concurrency === undefined ? ppeval : ppeval.with({ concurrency });
  return run(compress, array(range(0, DEFAULT_IMAGE_COUNT)), rank, perImage);
}

async function prepareDefaultImages(explicitDir: string | undefined): Promise<void> {
  if (imageDir(explicitDir) === DEFAULT_IMAGE_DIR) await ensureDefaultImages();
}
/**
 * The file name the CLI gives the compressed copy of `input`: the original's
 * `compressed<n>_<rank>.tif` for `flower<n>.tif`, else `<stem>_rank<rank>.tif`.
 *
 * @example
 * compressedFileName('/data/flower3.tif', 50); // 'compressed3_50.tif'
 * compressedFileName('cat.tiff', 20); // 'cat_rank20.tif'
 */
export function compressedFileName(input: string, rank: number): string {
  const name = basename(input);
  const flower = /^flower(\d+)\.tiff?$/i.exec(name);
  if (flower) return `compressed${flower[1]}_${rank}.tif`;
  return `${basename(name, extname(name))}_rank${rank}.tif`;
}

/**
 * Peak signal-to-noise ratio between two images of the same kind, over the colour bands (alpha
 * excluded), in dB; `Infinity` when they are equal.
 *
 * @example
 * psnr(original, compressImage(original, 50)); // e.g. 31.2
 */
export function psnr(a: TiffImage, b: TiffImage): number {
  if (
    a.width !== b.width ||
    a.height !== b.height ||
    a.channels !== b.channels ||
    a.bitsPerSample !== b.bitsPerSample
  ) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `psnr needs two images of the same kind, got ${a.width}x${a.height}x${a.channels} ${a.bitsPerSample}-bit and ${b.width}x${b.height}x${b.channels} ${b.bitsPerSample}-bit.`,
    );
  }
  const colorBands = a.alpha ? a.channels - 1 : a.channels;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < a.data.length; i += a.channels) {
    for (let c = 0; c < colorBands; c++) {
      const d = a.data[i + c]! - b.data[i + c]!;
      sum += d * d;
    }
    count += colorBands;
  }
  if (sum === 0) return Infinity;
  const maxValue = a.bitsPerSample === 8 ? 255 : 65535;
  return 10 * Math.log10((maxValue * maxValue) / (sum / count));
}

/**
 * The storage a rank-k factorization needs (k columns of U, k rows of Vᵀ, k singular values)
 * relative to the band itself: k(w+h+1)/(wh). Above 1, the "compression" stores more.
 *
 * @example
 * storageRatio(50, 1064, 1064); // 0.094
 */
export function storageRatio(rank: number, width: number, height: number): number {
  return (rank * (width + height + 1)) / (width * height);
}

function parseImageNumber(imno: unknown): number {
  const n =
    typeof imno === 'number'
      ? imno
      : typeof imno === 'string' && /^\s*\+?\d+\s*$/.test(imno)
        ? Number(imno)
        : NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `Expected \`imno\` to be an image number, an integer from 0 (flower0.tif, flower1.tif, …), got ${describeValue(imno)}.`,
    );
  }
  return n;
}

function checkPath(name: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `Expected \`${name}\` to be a non-empty file path, got ${describeValue(value)}.`,
    );
  }
}

function checkImage(image: unknown): asserts image is TiffImage {
  const fail = (what: string): never => {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `Expected \`image\` to be decoded pixels { width, height, channels, bitsPerSample, alpha, data } as readTiff returns them, but ${what}.`,
    );
  };
  if (typeof image !== 'object' || image === null) return fail(`got ${describeValue(image)}`);
  const { width, height, channels, bitsPerSample, alpha, data } = image as Record<string, unknown>;
  if (!Number.isSafeInteger(width) || (width as number) < 1) {
    fail(`width is ${describeValue(width)}`);
  }
  if (!Number.isSafeInteger(height) || (height as number) < 1) {
    fail(`height is ${describeValue(height)}`);
  }
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    fail(`channels is ${describeValue(channels)} (expected 1 to 4)`);
  }
  if (typeof alpha !== 'boolean') fail(`alpha is ${describeValue(alpha)} (expected a boolean)`);
  if (alpha && channels === 1) fail('alpha is true with only 1 channel');
  if (bitsPerSample === 8) {
    if (!(data instanceof Uint8Array)) fail(`data is ${describeValue(data)} for 8-bit samples`);
  } else if (bitsPerSample === 16) {
    if (!(data instanceof Uint16Array)) fail(`data is ${describeValue(data)} for 16-bit samples`);
  } else {
    fail(`bitsPerSample is ${describeValue(bitsPerSample)} (expected 8 or 16)`);
  }
  const expected = (width as number) * (height as number) * (channels as number);
  if ((data as Uint8Array).length !== expected) {
    fail(
      `data holds ${(data as Uint8Array).length} samples, not width*height*channels = ${expected}`,
    );
  }
}

/**
 * Fails with `ERR_IMAGEPROCESS_INPUT` and advice when an input image is missing or unreadable.
 * @internal
 */
export async function assertReadable(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const advice =
      code === 'ENOENT'
        ? `Generate the default images with \`imageprocess generate\`, or point $IMAGEPROCESS_DIR (or the imageDir option) at a folder holding ${basename(path)}.`
        : 'Check the path and its permissions.';
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_INPUT',
      `Cannot read the input image ${path} (${code ?? (error as Error).message}). ${advice}`,
      { cause: error, path },
    );
  }
}

async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_OUTPUT',
      `Cannot create the output folder ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Choose a writable output folder (--out, the outDir option or $IMAGEPROCESS_OUT).`,
      { cause: error, path: dir },
    );
  }
}

function isFileSystemError(error: unknown): boolean {
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code;
  const causeCode = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  const fsCodes = ['EACCES', 'EPERM', 'ENOTDIR', 'EROFS', 'ENOSPC', 'EISDIR', 'ENOENT', 'EEXIST'];
  return (
    (typeof code === 'string' && (fsCodes.includes(code) || code === 'ERR_TIFF_IO')) ||
    (typeof causeCode === 'string' && fsCodes.includes(causeCode))
  );
}
