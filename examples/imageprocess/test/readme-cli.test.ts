import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README's command table must match the built CLI's options, both ways.
const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
const cli = join(import.meta.dirname, '../dist/cli.js');

const documented = new Map<string, Set<string>>();
for (const match of readme.matchAll(/^\| `imageprocess (\w+)([^`]*)`/gm)) {
  documented.set(match[1]!, new Set(match[2]!.match(/--[a-z-]+/g) ?? []));
}

function helpFlags(command: string): Set<string> {
  const help = execFileSync(process.execPath, [cli, command, '--help'], { encoding: 'utf8' });
  const flags = new Set(help.match(/--[a-z][a-z-]*/g) ?? []);
  flags.delete('--help');
  return flags;
}

describe('README command table', () => {
  it('documents the four commands', () => {
    expect([...documented.keys()].sort()).toEqual(['compress', 'demo', 'figure', 'generate']);
  });

  it.each(['compress', 'generate', 'figure', 'demo'])(
    'lists exactly the options of `%s`',
    (command) => {
      expect([...(documented.get(command) ?? [])].sort()).toEqual([...helpFlags(command)].sort());
    },
  );
});
