#!/usr/bin/env node
// The ppeval-worker command as npm links it. This file is committed so that the link exists in a
// fresh clone before the build (npm links workspace bins at `npm ci`, when dist/ is not there yet).
/* global URL */
import { access } from 'node:fs/promises';

const entry = new URL('../dist/bin/ppeval-worker.js', import.meta.url);
try {
  await access(entry);
} catch {
  process.stderr.write(
    'ppeval-worker: the package is not built (dist/bin/ppeval-worker.js is missing). ' +
      'Run `npm run build` in the repository first.\n',
  );
  process.exit(2);
}
await import(entry.href);
