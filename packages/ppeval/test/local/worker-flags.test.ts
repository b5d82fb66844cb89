import { describe, expect, it } from 'vitest';
import { workerFlags } from '../../src/local/worker-flags.js';

describe('the Node flags and limits a worker starts with', () => {
  it('turns heap and stack flags into resourceLimits for threads', () => {
    const caller = ['--max-old-space-size=4096', '--max_semi_space_size=16', '--stack-size=7000'];
    expect(workerFlags('threads', undefined, undefined, caller, '')).toEqual({
      execArgv: [],
      resourceLimits: {
        maxOldGenerationSizeMb: 4096,
        maxYoungGenerationSizeMb: 48,
        stackSizeMb: (7000 + 192) / 1024,
      },
    });
  });

  it('never gives a thread less stack than its default of 4 MB', () => {
    expect(workerFlags('threads', undefined, undefined, ['--stack-size=500'], '')).toEqual({
      execArgv: [],
      resourceLimits: { stackSizeMb: 4 },
    });
  });

  it('lets an explicit stackSizeMb win over --stack-size', () => {
    const flags = workerFlags('threads', undefined, { stackSizeMb: 2 }, ['--stack-size=7000'], '');
    expect(flags.resourceLimits).toEqual({ stackSizeMb: 2 });
  });

  it("refuses a heap limit for threads that the caller's own heap flag would override", () => {
    // V8 applies --max-old-space-size to every thread of the process, over resourceLimits.
    const caller = ['--max-old-space-size=4096'];
    expect(() =>
      workerFlags('threads', undefined, { maxOldGenerationSizeMb: 256 }, caller, ''),
    ).toThrow(
      /Expected no `resourceLimits.maxOldGenerationSizeMb` other than 4096 .*got 256.*--max-old-space-size=4096, which V8 applies to every thread.*execArgv: \['--max-old-space-size=256'\]/,
    );
    expect(() =>
      workerFlags(
        'threads',
        ['--max-semi-space-size=4'],
        undefined,
        [],
        '--max-semi-space-size=16',
      ),
    ).toThrow(/maxYoungGenerationSizeMb` other than 48 .*got 12.*--max-semi-space-size=16/);
    // The same value, or child processes (which take their own flags), are fine.
    expect(
      workerFlags('threads', undefined, { maxOldGenerationSizeMb: 4096 }, caller, '')
        .resourceLimits,
    ).toEqual({ maxOldGenerationSizeMb: 4096 });
    expect(workerFlags('processes', ['--max-old-space-size=256'], undefined, caller, '')).toEqual({
      execArgv: ['--max-old-space-size=256'],
      resourceLimits: undefined,
    });
  });

  it("reports the heap flags of NODE_OPTIONS as the threads' limits", () => {
    expect(
      workerFlags('threads', undefined, undefined, [], '--max-old-space-size=1000 --no-warnings')
        .resourceLimits,
    ).toEqual({ maxOldGenerationSizeMb: 1000 });
  });

  it('keeps the inherited flags a thread accepts and drops those it refuses', () => {
    const caller = [
      '--expose-gc',
      '--conditions',
      'custom',
      '--title=app',
      '--enable-source-maps',
      '--v8-pool-size=2',
    ];
    expect(workerFlags('threads', undefined, undefined, caller, '')).toEqual({
      execArgv: ['--conditions', 'custom', '--enable-source-maps'],
      resourceLimits: undefined,
    });
  });

  it('drops the flags of an inline program, in both forms', () => {
    const caller = ['--input-type', 'module', '-e', 'code', '--print=x', '--no-warnings'];
    expect(workerFlags('threads', undefined, undefined, caller, '').execArgv).toEqual([
      '--no-warnings',
    ]);
    expect(workerFlags('processes', undefined, undefined, caller, '').execArgv).toEqual([
      '--no-warnings',
    ]);
  });

  it('gives child processes every flag unchanged', () => {
    const caller = ['--max-old-space-size=4096', '--stack-size=7000', '--expose-gc'];
    expect(workerFlags('processes', undefined, undefined, caller, '')).toEqual({
      execArgv: caller,
      resourceLimits: undefined,
    });
  });

  it('passes an explicit execArgv as given, but for the heap and stack flags on threads', () => {
    const flags = workerFlags(
      'threads',
      ['--max-old-space-size=512', '--no-such-flag'],
      undefined,
      ['--expose-gc'],
    );
    // A flag Node refuses is the caller's own choice: the pool reports it (BackendError).
    expect(flags).toEqual({
      execArgv: ['--no-such-flag'],
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
  });
});
