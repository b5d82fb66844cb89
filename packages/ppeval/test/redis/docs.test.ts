/**
 * docs/redis.md against the code: every option of `createPool({ backend: 'redis' })` and every
 * flag of `ppeval-worker` is documented, with the defaults the code really uses, and the caller
 * snippet uses names the package exports.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import * as ppeval from '../../src/index.js';
import { REDIS_WORKER_DEFAULTS, resolveBackendOptions } from '../../src/redis/options.js';
import { workerBin } from '../helpers/redis-server.js';

const docs = readFileSync(new URL('../../docs/redis.md', import.meta.url), 'utf8');

/** A markdown table's rows after the heading line that contains `heading`, as cells. */
function tableAfter(heading: string): string[][] {
  const start = docs.indexOf(heading);
  expect(start, `docs/redis.md has a section "${heading}"`).toBeGreaterThanOrEqual(0);
  const lines = docs.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

describe('docs/redis.md', () => {
  it('documents every option of the Redis pool, and no other', () => {
    const documented = tableAfter('## Options of `createPool').map((r) => r[0]);
    const keys = Object.keys(resolveBackendOptions({ url: 'redis://127.0.0.1:1' }));
    expect(documented.sort()).toEqual(keys.map((k) => `\`${k}\``).sort());
  });

  it('documents every flag of ppeval-worker, and no other, with its real default', () => {
    const help = spawnSync(process.execPath, [workerBin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    const flags = new Set(
      [...help.stdout.matchAll(/^ {2}(--[a-z-]+)/gm)]
        .map((m) => m[1]!)
        .filter((f) => f !== '--version'),
    );
    const rows = tableAfter('## Starting workers');
    expect(new Set(rows.map((r) => /`(--[a-z-]+)/.exec(r[0]!)?.[1]))).toEqual(flags);
    const defaultOf = (flag: string): string | undefined =>
      rows.find((r) => r[0]!.startsWith(`\`${flag} `))?.[1];
    expect(defaultOf('--lock-duration')).toBe(String(REDIS_WORKER_DEFAULTS.lockDurationMs));
    expect(defaultOf('--stalled-interval')).toBe(String(REDIS_WORKER_DEFAULTS.stalledIntervalMs));
    expect(defaultOf('--max-stalled-count')).toBe(String(REDIS_WORKER_DEFAULTS.maxStalledCount));
    expect(defaultOf('--queue')).toBe(`\`${REDIS_WORKER_DEFAULTS.queue}\``);
  });

  it('imports in its snippets only names that ppeval exports', () => {
    const imports = [...docs.matchAll(/import \{([^}]*)\} from 'ppeval'/g)];
    expect(imports.length).toBeGreaterThan(0);
    for (const [, names] of imports) {
      for (const name of names!.split(',').map((n) => n.trim())) {
        expect(Object.keys(ppeval), name).toContain(name);
      }
    }
  });
});
