import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const rootReadme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it.each([
    ['packages/ppeval/README.md', readme],
    ['README.md', rootReadme],
  ])('%s: the quick start runs as shown and prints the output in its comment', (_name, text) => {
    const block = /## Quick start\s+```js\n([\s\S]*?)```/.exec(text)?.[1];
    expect(block, 'the quick start has a js block').toBeDefined();
    const expected = /console\.log\(.*\); \/\/ (.*)$/m.exec(block!)?.[1];
    expect(expected, 'the quick start shows its output').toBeDefined();
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', block!], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe(expected);
  });

  it('documents every pool and call option', async () => {
    const { resolveCallOptions, resolvePoolOptions } = await import('../src/options.js');
    const callKeys = Object.keys(resolveCallOptions({}));
    const poolKeys = Object.keys(resolvePoolOptions({}));
    for (const key of [...callKeys, ...poolKeys]) {
      expect(readme).toMatch(new RegExp(`^\\| \`${key}\` +\\|`, 'm'));
    }
  });
});
