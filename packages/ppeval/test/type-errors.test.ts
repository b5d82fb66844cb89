import path from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// tsc must report a wrong or missing argument at that argument, for functions and for the
// explicit form. Each probe marks with `/*>*/` where the diagnostic must start.
const here = path.dirname(fileURLToPath(import.meta.url));
const PRELUDE = `import { array, bcast, createPool, ppeval } from 'ppeval';
declare function label(n: number, s: string): string;
const pool = createPool();
`;

interface Found {
  readonly at: string;
  readonly message: string;
}

function diagnose(probes: readonly string[]): Found[][] {
  const files = probes.map((_, k) => path.join(here, `__type-probe-${k}.ts`));
  const texts = new Map(
    probes.map((probe, k) => [files[k]!, PRELUDE + probe.replace('/*>*/', '')]),
  );
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (file) => texts.get(file) ?? readFile(file);
  host.fileExists = (file) => texts.has(file) || fileExists(file);
  const program = ts.createProgram(files, options, host);
  return files.map((file) => {
    const source = program.getSourceFile(file)!;
    return ts.getPreEmitDiagnostics(program, source).map((d) => ({
      at: source.text.slice(d.start, (d.start ?? 0) + 12),
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    }));
  });
}

const CASES: readonly (readonly [string, string, RegExp])[] = [
  [
    'a broadcast of the wrong type',
    'void ppeval(label, array([1, 2]), /*>*/5);',
    /^Argument of type 'number' is not assignable to parameter of type 'PpevalArg<string>'/,
  ],
  [
    'a distributed array of the wrong element type',
    "void ppeval(label, /*>*/array(['a']), 'x');",
    /^Argument of type 'DistArray<string>' is not assignable to parameter of type 'PpevalArg<number>'/,
  ],
  [
    'bcast of the wrong type',
    'void ppeval(label, array([1]), /*>*/bcast(5));',
    /^Argument of type 'Broadcast<number>' is not assignable to parameter of type 'PpevalArg<string>'/,
  ],
  [
    'a missing argument',
    'void /*>*/ppeval(label, array([1, 2]));',
    /^Expected 3 arguments, but got 2\.$/,
  ],
  [
    'a wrong argument with settle',
    'void ppeval.with({ settle: true })(label, array([1, 2]), /*>*/5);',
    /^Argument of type 'number' is not assignable to parameter of type 'PpevalArg<string>'/,
  ],
  [
    'a wrong argument to a stream',
    'void ppeval.stream(label, array([1, 2]), /*>*/5);',
    /^Argument of type 'number' is not assignable to parameter of type 'PpevalArg<string>'/,
  ],
  [
    "a wrong argument to a pool's ppeval",
    'void pool.ppeval(label, array([1, 2]), /*>*/5);',
    /^Argument of type 'number' is not assignable to parameter of type 'PpevalArg<string>'/,
  ],
  [
    'a misspelt key of the explicit form',
    "void ppeval({ module: 'node:path', /*>*/exprt: 'basename' }, array(['a']));",
    /'exprt' does not exist in type/,
  ],
  [
    "the explicit form's module of the wrong type",
    "void ppeval({ /*>*/module: 5, export: 'basename' }, array(['a']));",
    /^Type 'number' is not assignable to type 'string \| URL'\.$/,
  ],
  [
    'a first argument that is neither',
    'void ppeval(/*>*/42, array([1]));',
    /^Argument of type 'number' is not assignable to parameter of type 'PpevalTarget'/,
  ],
];

describe('type errors point at the argument that is wrong', () => {
  const results = diagnose(CASES.map(([, probe]) => probe));

  it.each(CASES.map((c, k) => [...c, k] as const))('%s', (_, probe, message, k) => {
    const marker = probe.indexOf('/*>*/');
    const expected = probe.slice(marker + 5, marker + 17);
    expect(results[k]).toEqual([{ at: expected, message: expect.stringMatching(message) }]);
  });

  it('accepts the right arguments, and types the explicit form when told', () => {
    const [clean] = diagnose([
      `const a: Promise<string[]> = ppeval(label, array([1, 2]), 'x');
const b: Promise<string[]> = ppeval<string>({ module: 'node:path', export: 'basename' }, array(['a']));
const c: Promise<unknown[]> = ppeval({ module: 'node:path', export: 'basename' }, array(['a']), 1, 'z');
void [a, b, c];`,
    ]);
    expect(clean).toEqual([]);
  });
});
