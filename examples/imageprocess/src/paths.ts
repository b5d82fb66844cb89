import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageprocessError, describeValue } from './errors.js';

/** The example's own folder (examples/imageprocess), found from this module's location. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * Where the generated default images live unless configured otherwise (gitignored).
 * @default '<examples/imageprocess>/data'
 */
export const DEFAULT_IMAGE_DIR = resolve(PACKAGE_DIR, 'data');

/**
 * Where compressed images are written unless configured otherwise (gitignored).
 * @default '<examples/imageprocess>/out'
 */
export const DEFAULT_OUTPUT_DIR = resolve(PACKAGE_DIR, 'out');

/** Environment variable naming the folder of `flower<imno>.tif` input images. */
export const IMAGE_DIR_ENV = 'IMAGEPROCESS_DIR';

/** Environment variable naming the folder that compressed images are written to. */
export const OUTPUT_DIR_ENV = 'IMAGEPROCESS_OUT';

/**
 * The folder `compress(imno, rank)` reads from: the explicit option, else `$IMAGEPROCESS_DIR`,
 * else {@link DEFAULT_IMAGE_DIR}. Read at call time, so that a worker sees the environment it
 * was started with.
 *
 * @example
 * imageDir(); // '/…/examples/imageprocess/data' unless IMAGEPROCESS_DIR is set
 */
export function imageDir(explicit?: string): string {
  checkFolder('imageDir', explicit);
  return resolve(explicit ?? nonEmpty(process.env[IMAGE_DIR_ENV]) ?? DEFAULT_IMAGE_DIR);
}

/**
 * The folder compressed images go to: the explicit option, else `$IMAGEPROCESS_OUT`, else
 * {@link DEFAULT_OUTPUT_DIR}.
 *
 * @example
 * outputDir('/tmp/results'); // '/tmp/results'
 */
export function outputDir(explicit?: string): string {
  checkFolder('outDir', explicit);
  return resolve(explicit ?? nonEmpty(process.env[OUTPUT_DIR_ENV]) ?? DEFAULT_OUTPUT_DIR);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function checkFolder(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `Expected the \`${name}\` option to be a folder path (a non-empty string), got ${describeValue(value)}; omit it to use the default folder.`,
    );
  }
}
