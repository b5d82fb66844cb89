/**
 * The images of the scaling benchmark: the imageprocess example's generated default set (16
 * photo-like 1064x1064 RGB TIFFs of about 3.4 MB, generated once and cached), a tiny set for CI,
 * or a folder the user names. Whatever the source, the workload stays the seed's
 * `compress(i, rank)`, which reads `flower<i>.tif`: a folder with other names is presented
 * through symbolic links in a temporary folder.
 */
import { mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureDefaultImages, readTiff } from 'imageprocess';
import { BenchOptionError } from './errors.js';

/** A folder of `flower0.tif` … `flower<count-1>.tif` ready for `compress(i, rank)`. */
export interface PreparedImages {
  /** The folder compress reads (IMAGEPROCESS_DIR). */
  readonly dir: string;
  /** Where the images come from: 'generated', 'generated (tiny)' or the folder given. */
  readonly source: string;
  /** The file behind each element, in element order. */
  readonly files: readonly string[];
  /** Size of each element's file in bytes. */
  readonly bytes: readonly number[];
  /** Width x height x channels of each distinct file, for the report. */
  readonly shapes: readonly string[];
  /** The smallest side over all images: the largest rank they allow. */
  readonly minSide: number;
  /** Remove what was created for the run (temporary folders), never the user's images. */
  cleanup(): Promise<void>;
}

/** Size of the tiny set's images: small enough for a CI smoke run, non-square on purpose. */
const TINY_SIDE = { width: 72, height: 56 };

/**
 * Provide the images.
 *
 * @param source - a folder of TIFF images, or undefined for the generated set
 * @param count - elements of the call
 * @param tiny - use a tiny generated set in a temporary folder
 * @param onProgress - generation progress (done, total), when images must be generated
 * @example
 * const images = await prepareImages(undefined, 16, false);
 * process.env.IMAGEPROCESS_DIR = images.dir;
 */
export async function prepareImages(
  source: string | undefined,
  count: number,
  tiny: boolean,
  onProgress?: (done: number, total: number) => void,
): Promise<PreparedImages> {
  const temporaries: string[] = [];
  const cleanup = async (): Promise<void> => {
    for (const dir of temporaries) await rm(dir, { recursive: true, force: true });
  };
  try {
    let dir: string;
    let label: string;
    let files: string[];
    if (source === undefined) {
      const options = tiny
        ? { count, ...TINY_SIDE, concurrency: 1 }
        : { count, ...(onProgress === undefined ? {} : { onProgress }) };
      if (tiny) {
        const tmp = await mkdtemp(path.join(os.tmpdir(), 'ppeval-bench-images-'));
        temporaries.push(tmp);
        Object.assign(options, { dir: tmp });
      }
      const generated = await ensureDefaultImages(options);
      dir = generated.dir;
      label = tiny ? 'generated (tiny)' : 'generated';
      files = Array.from({ length: count }, (_, i) => path.join(dir, `flower${i}.tif`));
    } else {
      const given = path.resolve(source);
      const names = await listTiffs(given);
      const flowers = Array.from({ length: count }, (_, i) => `flower${i}.tif`);
      label = given;
      if (flowers.every((f) => names.includes(f))) {
        dir = given;
        files = flowers.map((f) => path.join(given, f));
      } else {
        // compress(i, rank) reads flower<i>.tif: link the folder's images under those names,
        // cycling through them when there are fewer than `count`.
        dir = await mkdtemp(path.join(os.tmpdir(), 'ppeval-bench-links-'));
        temporaries.push(dir);
        files = flowers.map((_, i) => path.join(given, names[i % names.length] as string));
        await Promise.all(flowers.map((f, i) => symlink(files[i] as string, path.join(dir, f))));
      }
    }
    const bytes = await Promise.all(files.map(async (f) => (await stat(f)).size));
    const shapes = new Map<string, string>();
    let minSide = Infinity;
    for (const f of new Set(files)) {
      const image = await readTiff(f);
      shapes.set(f, `${image.width}x${image.height}x${image.channels}`);
      minSide = Math.min(minSide, image.width, image.height);
    }
    return {
      dir,
      source: label,
      files,
      bytes,
      shapes: [...new Set(shapes.values())],
      minSide,
      cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function listTiffs(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    throw new BenchOptionError(
      `Cannot read the image folder ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)}): ` +
        'pass --images a folder of TIFF files, e.g. --images ../shared/data/photos.',
      { cause: err },
    );
  }
  const names = entries.filter((n) => /\.tiff?$/i.test(n)).sort();
  if (names.length === 0) {
    throw new BenchOptionError(
      `No .tif or .tiff files in ${dir}: pass --images a folder of TIFF files, e.g. --images ../shared/data/photos.`,
    );
  }
  return names;
}
