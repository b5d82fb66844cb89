/**
 * The version of this ppeval package: callers and Redis workers must run the same one.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** `version` of packages/ppeval/package.json, read once. */
export const PPEVAL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
