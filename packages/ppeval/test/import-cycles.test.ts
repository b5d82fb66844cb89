import { fileURLToPath } from 'node:url';
import { parseCircular, parseDependencyTree } from 'dpdm';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src/', import.meta.url));

// A cycle makes the order modules initialize in depend on which one is imported first (a class
// can be undefined when another module's top level uses it), and ties files that should be
// read and changed alone. Type-only imports count too: they tie the files just the same.
describe('the source has no import cycle', () => {
  it('from any entry: the package, the local worker, the Redis worker and its bin', async () => {
    const entries = ['index.ts', 'local/worker.ts', 'redis/worker.ts', 'bin/ppeval-worker.ts'];
    const tree = await parseDependencyTree(entries, {
      context: src,
      cwd: src,
      // Only the package's own files: node_modules cannot take part in a cycle of ours.
      include: /\/src\/.*\.ts$/,
      transform: false,
      skipDynamicImports: false,
    });
    expect(Object.keys(tree).length).toBeGreaterThan(30);
    expect(parseCircular(tree)).toEqual([]);
  });
});
