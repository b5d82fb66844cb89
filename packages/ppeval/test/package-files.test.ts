import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

import { packageRoot } from './helpers/redis-server.js';

interface PackResult {
  readonly files: ReadonlyArray<{ readonly path: string }>;
}

describe('the npm package of ppeval', () => {
  it('ships LICENSE, README, CHANGELOG, docs, the bin and dist (code, types, maps), nothing else', async () => {
    // --ignore-scripts: `npm test` has just built; prepack would build again.
    const { stdout } = await promisify(execFile)(
      'npm',
      ['pack', '--dry-run', '--json', '--ignore-scripts'],
      { cwd: packageRoot, timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const [result] = JSON.parse(stdout) as PackResult[];
    const files = result!.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'CHANGELOG.md',
        'package.json',
        'docs/redis.md',
        'bin/ppeval-worker.js',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/bin/ppeval-worker.js',
        'dist/redis/worker.js',
      ]),
    );
    // Outside dist/ only the files above; in dist/ only code, declarations and their maps.
    expect(files.filter((f) => !f.startsWith('dist/')).sort()).toEqual(
      [
        'CHANGELOG.md',
        'LICENSE',
        'README.md',
        'bin/ppeval-worker.js',
        'docs/redis.md',
        'package.json',
      ].sort(),
    );
    expect(files.filter((f) => f.startsWith('dist/') && !/\.(js|d\.ts)(\.map)?$/.test(f))).toEqual(
      [],
    );
    // src/ is not shipped, so every source map carries its source.
    const maps = files.filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(10);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(
        readFileSync(join(packageRoot, map), 'utf8'),
      ) as { sources: string[]; sourcesContent?: unknown[] };
      expect({ map, ok: sourcesContent?.length === sources.length }).toEqual({ map, ok: true });
    }
  });

  it('builds before it is packed (prepack), under the MIT license of the LICENSE file', () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
      license: string;
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['prepack']).toBe('npm run build');
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(packageRoot, 'LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 the ppeval authors\n/,
    );
  });
});
