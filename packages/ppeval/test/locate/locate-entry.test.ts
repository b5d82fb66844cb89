import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// These scenarios need a process of their own: the entry script, the permission model and
// `--import tsx` are properties of a whole process. The fixtures use the built dist/.
const dir = fileURLToPath(new URL('../fixtures/locate/', import.meta.url));

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly lines: unknown[];
  readonly stderr: string;
}

/** Runs `node ...args` in the fixture folder; kills it after 20 s (a hang fails the test). */
async function node(args: readonly string[]): Promise<Outcome> {
  const child = spawn(process.execPath, args, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20_000,
    // Keep the parent's loaders and flags (vitest's) out of the child.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close', not 'exit': at 'exit' the child's stdout may still hold unread output.
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  const lines = stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
  return { code, signal, lines, stderr };
}

const refused = (pattern: RegExp): unknown => ({
  error: expect.objectContaining({
    name: 'LocateError',
    code: 'ERR_PPEVAL_LOCATE',
    message: expect.stringMatching(pattern),
  }),
});

describe.concurrent('a function exported by the entry script', () => {
  const advice =
    /`work`.*defined in the program's entry script.*move `work` to a module of its own/;

  it('is refused with advice in an ESM entry that awaits at top level (never hangs)', async () => {
    const outcome = await node(['entry-esm.mjs']);
    expect(outcome).toMatchObject({ code: 0, signal: null, lines: [refused(advice)] });
  });

  it('is refused with advice in a CommonJS entry', async () => {
    const outcome = await node(['entry-cjs.cjs']);
    expect(outcome).toMatchObject({ code: 0, signal: null, lines: [refused(advice)] });
  });

  it('is refused when the entry is started as a directory (node entry-dir)', async () => {
    const outcome = await node(['entry-dir']);
    expect(outcome).toMatchObject({ code: 0, signal: null, lines: [refused(advice)] });
  });

  describe('when the entry is started through a symbolic link', () => {
    const linkDir = mkdtempSync(path.join(tmpdir(), 'ppeval-locate-'));
    afterAll(() => rmSync(linkDir, { recursive: true, force: true }));

    it('is still recognised', async () => {
      const link = path.join(linkDir, 'linked-entry.mjs');
      symlinkSync(path.join(dir, 'entry-esm.mjs'), link);
      const outcome = await node([link]);
      expect(outcome).toMatchObject({ code: 0, lines: [refused(advice)] });
    });
  });
});

describe.concurrent('a module whose top level awaits the location of its own export', () => {
  it('is refused after a bounded wait instead of waiting for itself', async () => {
    const outcome = await node(['tla-entry.mjs']);
    expect(outcome).toMatchObject({
      code: 0,
      lines: [refused(/`work`.*tla-module\.mjs\) is still being evaluated.*module of its own/)],
    });
  });
});

describe.concurrent('a CommonJS module whose top level locates its own export', () => {
  it('is refused at once: it is still loading', async () => {
    const outcome = await node(['cjs-loading-entry.mjs']);
    expect(outcome).toMatchObject({
      code: 0,
      lines: [refused(/`work`.*cjs-loading\.cjs\) is still being evaluated.*module of its own/)],
    });
  });
});

describe.concurrent('under tsx', () => {
  it('locates a .ts export at its .ts URL, a worker runs it through tsx, the entry is refused', async () => {
    const outcome = await node(['--import', 'tsx', 'tsx-main.ts']);
    expect(outcome.code).toBe(0);
    expect(outcome.lines).toEqual([
      {
        ref: {
          module: new URL('typed.ts', `file://${dir}`).href,
          exportPath: ['norm'],
          name: 'norm',
        },
        reply: { values: [10] },
      },
      refused(/`own`.*entry script.*tsx-main\.ts/),
    ]);
  });
});

describe.concurrent("with tsx's tsImport() in plain Node", () => {
  it("drops tsx's namespace from the module URL so that a worker can import it", async () => {
    const outcome = await node(['ts-import.mjs']);
    expect(outcome.code).toBe(0);
    expect(outcome.lines).toEqual([
      {
        ref: {
          module: new URL('typed.ts', `file://${dir}`).href,
          exportPath: ['norm'],
          name: 'norm',
        },
        reply: { values: [13] },
      },
    ]);
  });
});

describe.concurrent('without node:inspector (the permission model)', () => {
  it('refuses a bare reference with advice to pass the explicit form, which works', async () => {
    // Node 20 knows only --experimental-permission; 22.13+ also --permission; 24 and 26 refuse
    // the old name (exit 9, bad option).
    const permission = process.allowedNodeEnvironmentFlags.has('--permission')
      ? '--permission'
      : '--experimental-permission';
    const outcome = await node([permission, '--allow-fs-read=*', 'permission.mjs']);
    expect(outcome.code).toBe(0);
    expect(outcome.lines).toEqual([
      refused(/`add`: node:inspector is unavailable.*explicit form.*export: 'add'/),
      {
        ref: { module: new URL('esm.mjs', `file://${dir}`).href, exportPath: ['add'], name: 'add' },
      },
    ]);
  });
});

describe.concurrent('in plain Node, without vitest', () => {
  const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);

  it("reads Node's ESM and CommonJS caches, and refuses what only an ES module exports", async () => {
    const outcome = await node(['plain.mjs']);
    const at = (name: string): string => new URL(name, `file://${dir}`).href;
    expect(outcome.code).toBe(0);
    expect(outcome.lines).toEqual([
      { ref: { module: at('esm.mjs'), exportPath: ['add'], name: 'add' } },
      { ref: { module: at('esm.mjs'), exportPath: ['add'], name: 'add' } },
      { ref: { module: at('cjs.cjs'), exportPath: ['default', 'mul'], name: 'mul' } },
      {
        ref: { module: at('wrapped.cjs'), exportPath: ['default', 'quadruple'], name: 'quadruple' },
      },
      {
        ref: {
          module: expect.stringMatching(/\/node_modules\/utif\/UTIF\.js$/),
          exportPath: ['default', 'decode'],
          name: 'decode',
        },
      },
      refused(/`wrapped`.*does not export it \(defined at .*wrap\.cjs.*explicit form/),
      refused(/UTIF\.js has no export `decode`.*use export: 'default\.decode'/),
      { ref: { module: 'node:util', exportPath: ['inspect'], name: 'inspect' } },
      { ref: { module: at('typed.ts'), exportPath: ['norm'], name: 'norm' } },
      { ref: { module: at('typed-enum.ts'), exportPath: ['pick'], name: 'pick' } },
      // Where Node strips types natively (22.18+, 24, 26) it imports typed.ts itself, and the
      // vm-evaluated `norm` is simply not that module's export; Node 20 cannot read it at all.
      stripsTypes
        ? refused(/`norm`.*does not export it \(defined at .*typed\.ts.*explicit form/)
        : refused(/`norm`.*typed\.ts.*no TypeScript loader .*explicit form/),
      refused(/`report` from .*plain\.mjs.*entry script.*Move the function to a module of its own/),
    ]);
    expect(outcome.stderr).toBe('');
  });
});
