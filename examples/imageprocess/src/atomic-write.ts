import { rename, rm, writeFile } from 'node:fs/promises';
import { ImageprocessError } from './errors.js';

/**
 * Writes a file through a temporary sibling and a rename, so that readers never see half a
 * file and an error leaves nothing behind.
 *
 * @throws {ImageprocessError} `ERR_IMAGEPROCESS_OUTPUT` naming the path.
 * @example
 * await writeFileAtomically('out/figure0.md', table);
 */
export async function writeFileAtomically(
  path: string,
  content: string | Uint8Array,
): Promise<void> {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_OUTPUT',
      `Cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}). Choose a writable folder.`,
      { cause: error, path },
    );
  }
}
