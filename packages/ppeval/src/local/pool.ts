/**
 * The local backend's entry in the registry of backends (`backends.ts`):
 * `createPool({ backend: 'local', ...PoolOptions })`, the default.
 *
 * @module
 */
import type { BackendDefinition } from '../backend.js';
import { resolvePoolOptions, type ResolvedPoolOptions } from '../options.js';
import { LocalBackend } from './backend.js';

/** Worker threads or child processes on this machine, through tinypool. */
export const localBackend: BackendDefinition<ResolvedPoolOptions> = {
  resolveOptions: resolvePoolOptions,
  create: (settings) => new LocalBackend(settings),
  runtime: (settings) => settings.runtime,
};
