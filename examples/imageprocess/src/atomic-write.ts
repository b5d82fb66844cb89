import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ImageprocessError } from './errors.js';

/**
 * Replaces `path` with `content` so that readers see the old file or the complete new one,
 * never a partial write, and a crash keeps one of the two: the bytes go to a hidden temporary
 * file in the same folder (created exclusively), are flushed to disk (fsync), the file is
 * renamed over `path`, and the folder is synced where the platform allows. On any error the
 * temporary file is removed, `path` is untouched, and the first error is rethrown as it came
 * (callers word it for their situation).
 */
export async function replaceFile(
  path: string,
  content: string | Uint8Array | readonly Uint8Array[],
): Promise<void> {
  const temp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const handle = await open(temp, 'wx');
  // The first failure is the one to report; a close error must not hide a failed write.
  let failure: unknown;
  try {
    if (typeof content === 'string' || content instanceof Uint8Array) {
      await handle.writeFile(content);
    } else {
      await writeParts(handle, content);
    }
    await handle.sync();
  } catch (error) {
    failure = error;
  }
  try {
    await handle.close();
  } catch (error) {
    failure ??= error;
  }
  if (failure === undefined) {
    try {
      await rename(temp, path);
    } catch (error) {
      failure = error;
    }
  }
  if (failure !== undefined) {
    await unlink(temp).catch(() => undefined);
    throw failure;
  }
  await syncFolder(dirname(path));
}

/** What {@link writeParts} needs of a file handle. */
export interface VectorWriter {
  writev(buffers: Uint8Array[]): Promise<{ bytesWritten: number }>;
}

/**
 * Writes `parts` one after the other at the handle's position, in gathered writes (no copy into
 * one buffer) of at most 512 parts each, continuing after a short write until every byte is out.
 * @internal
 */
export async function writeParts(
  handle: VectorWriter,
  parts: readonly Uint8Array[],
): Promise<void> {
  let rest = parts.filter((part) => part.length > 0);
  while (rest.length > 0) {
    const batch = rest.slice(0, 512);
    let { bytesWritten } = await handle.writev(batch);
    if (bytesWritten <= 0)
      throw new Error(`writev wrote ${bytesWritten} bytes of a non-empty batch`);
    let i = 0;
    while (i < batch.length && bytesWritten >= batch[i]!.length) {
      bytesWritten -= batch[i]!.length;
      i++;
    }
    rest = [
      ...(i < batch.length ? [batch[i]!.subarray(bytesWritten)] : []),
      ...batch.slice(i + 1),
      ...rest.slice(batch.length),
    ];
  }
}

/**
 * Flushes the folder entry so the rename itself survives a crash. Best effort: some platforms
 * and file systems cannot open or sync a folder, and the file is complete either way.
 */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported here (e.g. Windows): the data itself was already synced.
  }
}

/**
 * {@link replaceFile} for the example's own outputs (the generated images and manifest, the
 * figure), with its error in the example's words.
 *
 * @throws {ImageprocessError} `ERR_IMAGEPROCESS_OUTPUT` naming the path.
 * @example
 * await writeFileAtomically('out/figure0.md', table);
 */
export async function writeFileAtomically(
  path: string,
  content: string | Uint8Array,
): Promise<void> {
  try {
    await replaceFile(path, content);
  } catch (error) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_OUTPUT',
      `Cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}). Choose a writable folder.`,
      { cause: error, path },
    );
  }
}
