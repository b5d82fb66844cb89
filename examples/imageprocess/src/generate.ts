/**
 * The example's default data: 16 photo-like 1064x1064 RGB images (about 3.4 MB each, the size
 * of the original demo's photographs), generated deterministically, cached, and regenerated when
 * missing or damaged.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { array, ppeval } from 'ppeval';
import { encodeTiff } from './tiff/index.js';
import { synthesizeImage } from './synth.js';
import { writeFileAtomically } from './atomic-write.js';
import { ImageprocessError, checkOptionKeys, describeValue } from './errors.js';
import { DEFAULT_IMAGE_DIR } from './paths.js';

/** Number of default images, as in the original demo. */
export const DEFAULT_IMAGE_COUNT = 16;
/** Side of the default square images, as in the original demo. */
export const DEFAULT_IMAGE_SIZE = 1064;
/** Name of the checksum manifest written beside the generated images. */
export const MANIFEST_NAME = 'manifest.json';
/** Bumped whenever the synthesis changes, so that old caches are regenerated. */
export const GENERATOR_VERSION = 3;

/** Options of {@link ensureDefaultImages}. */
export interface GenerateOptions {
  /**
   * Folder to fill.
   * @default the example's data folder (examples/imageprocess/data)
   */
  dir?: string;
  /**
   * Number of images (flower0.tif … flower<count-1>.tif).
   * @default 16
   */
  count?: number;
  /**
   * Width in pixels.
   * @default 1064
   */
  width?: number;
  /**
   * Height in pixels.
   * @default 1064
   */
  height?: number;
  /**
   * Worker threads generating in parallel (through ppeval); 1 generates in this thread.
   * @default os.availableParallelism()
   */
  concurrency?: number;
  /**
   * Regenerate every image even when the cache is intact, and overwrite `flower*.tif` files the
   * manifest does not list (otherwise refused outside the default folder).
   * @default false
   */
  force?: boolean;
  /** Called after each image written, with (done, total) over the images to write. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link ensureDefaultImages} found and did. */
export interface GenerateResult {
  /** The folder, resolved. */
  dir: string;
  /** Paths written by this call (missing, damaged, outdated or forced). */
  generated: string[];
  /** Paths that were intact and kept. */
  kept: string[];
  /** Wall time of the call in milliseconds. */
  milliseconds: number;
}

interface ManifestEntry {
  size: number;
  sha256: string;
}

interface Manifest {
  generator: 'imageprocess';
  version: number;
  width: number;
  height: number;
  files: Record<string, ManifestEntry>;
}

const OPTION_KEYS = ['dir', 'count', 'width', 'height', 'concurrency', 'force', 'onProgress'];

/**
 * The seed of default image `imno`: fixed, so every clone generates the same bytes.
 *
 * @example
 * defaultImageSeed(0); // 20_070_000
 */
export function defaultImageSeed(imno: number): number {
  return 20_070_000 + imno;
}

/**
 * Makes sure `flower0.tif` … `flower<count-1>.tif` exist in the folder and are the generator's
 * exact output: each file is checked against the manifest's size and SHA-256; a missing,
 * damaged or outdated file is regenerated (in parallel), intact ones are kept. The manifest is
 * written last and atomically, like every image.
 *
 * @example
 * const { generated } = await ensureDefaultImages(); // [] when the cache is intact
 */
export async function ensureDefaultImages(options?: GenerateOptions): Promise<GenerateResult> {
  checkOptionKeys('ensureDefaultImages', options, OPTION_KEYS);
  const started = performance.now();
  const dir = resolve(options?.dir ?? DEFAULT_IMAGE_DIR);
  const count = checkInteger('count', options?.count ?? DEFAULT_IMAGE_COUNT, 1, 10_000);
  const width = checkInteger('width', options?.width ?? DEFAULT_IMAGE_SIZE, 1, 65_535);
  const height = checkInteger('height', options?.height ?? DEFAULT_IMAGE_SIZE, 1, 65_535);
  const concurrency = checkInteger(
    'concurrency',
    options?.concurrency ?? availableParallelism(),
    1,
    1024,
  );
  const force = options?.force ?? false;
  if (typeof force !== 'boolean') {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `Expected \`force\` to be a boolean, got ${describeValue(force)}.`,
    );
  }
  const onProgress = options?.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `Expected \`onProgress\` to be a function (done, total) => void, got ${describeValue(onProgress)}.`,
    );
  }

  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_OUTPUT',
      `Cannot create the image folder ${dir} (${(error as NodeJS.ErrnoException).code ?? String(error)}). Choose a writable folder.`,
      { cause: error, path: dir },
    );
  }
  const manifest = await readManifest(dir);
  const usable =
    manifest?.version === GENERATOR_VERSION &&
    manifest.width === width &&
    manifest.height === height;
  const entries: Record<string, ManifestEntry> = {};
  const kept: string[] = [];
  const todo: number[] = [];
  for (let imno = 0; imno < count; imno++) {
    const name = `flower${imno}.tif`;
    const path = join(dir, name);
    const recorded = usable ? manifest.files[name] : undefined;
    // A file listed by an older manifest of ours is ours to replace, never "foreign".
    const ours = manifest?.files[name] !== undefined;
    const state = await fileState(path, recorded, ours);
    if (!force && state === 'intact') {
      entries[name] = recorded!;
      kept.push(path);
      continue;
    }
    if (state === 'foreign' && !force && dir !== resolve(DEFAULT_IMAGE_DIR)) {
      throw new ImageprocessError(
        'ERR_IMAGEPROCESS_OUTPUT',
        `${path} exists but was not generated here (no manifest entry for it): refusing to overwrite it. Use another folder, or force regeneration (--force).`,
        { path },
      );
    }
    todo.push(imno);
  }

  const generated: string[] = [];
  if (todo.length > 0) {
    let done = 0;
    const report = (): void => onProgress?.(++done, todo.length);
    let written: ManifestEntry[];
    if (concurrency === 1 || todo.length === 1) {
      written = [];
      for (const imno of todo) {
        written.push(await generateImageFile(imno, join(dir, `flower${imno}.tif`), width, height));
        report();
      }
    } else {
      const paths = todo.map((imno) => join(dir, `flower${imno}.tif`));
      written = await ppeval.with({
        concurrency,
        onProgress: (finished) => {
          while (done < finished) report();
        },
      })(generateImageFile, array(todo), array(paths), width, height);
    }
    todo.forEach((imno, i) => {
      const name = `flower${imno}.tif`;
      entries[name] = written[i]!;
      generated.push(join(dir, name));
    });
  }
  if (generated.length > 0 || !usable) {
    const next: Manifest = {
      generator: 'imageprocess',
      version: GENERATOR_VERSION,
      width,
      height,
      files: { ...(usable ? manifest.files : {}), ...entries },
    };
    await writeFileAtomically(join(dir, MANIFEST_NAME), `${JSON.stringify(next, null, 2)}\n`);
  }
  return { dir, generated, kept, milliseconds: performance.now() - started };
}

/**
 * Generates default image `imno` at the given size and writes it atomically to `path` as an
 * uncompressed RGB TIFF. Exported so that workers can run it; returns the file's size and
 * SHA-256 for the manifest.
 *
 * @example
 * await generateImageFile(0, '/tmp/flower0.tif', 256, 256);
 */
export async function generateImageFile(
  imno: number,
  path: string,
  width: number,
  height: number,
): Promise<ManifestEntry> {
  const image = synthesizeImage({ width, height, seed: defaultImageSeed(imno) });
  const bytes = encodeTiff(image);
  await writeFileAtomically(path, bytes);
  return { size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function fileState(
  path: string,
  recorded: ManifestEntry | undefined,
  ours: boolean,
): Promise<'missing' | 'foreign' | 'damaged' | 'intact'> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return 'missing';
  }
  if (recorded === undefined) return ours ? 'damaged' : 'foreign';
  if (size !== recorded.size) return 'damaged';
  const hash = createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
  return hash === recorded.sha256 ? 'intact' : 'damaged';
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const parsed = JSON.parse(
      await readFile(join(dir, MANIFEST_NAME), 'utf8'),
    ) as Partial<Manifest>;
    if (
      parsed.generator !== 'imageprocess' ||
      typeof parsed.files !== 'object' ||
      parsed.files === null
    ) {
      return undefined;
    }
    return parsed as Manifest;
  } catch {
    // A missing or unreadable manifest only means every file is checked as unknown.
    return undefined;
  }
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `Expected \`${name}\` to be an integer from ${min} to ${max}, got ${describeValue(value)}.`,
    );
  }
  return value;
}
