import { afterAll, describe, expect, it } from 'vitest';

import type { Backend, BackendDefinition, CallSession, CallSpec } from '../src/backend.js';
import { BatchLostError } from '../src/backend.js';
import { backendNames, registerBackend, unregisterBackend } from '../src/backends.js';
import { array, range } from '../src/dist-array.js';
import { PpevalArgumentError, WorkerExitError } from '../src/errors.js';
import { executeBatch } from '../src/local/execute.js';
import { createPool } from '../src/pool.js';
import { checkOptions, integerOption } from '../src/validate.js';
import { encodeBytes } from '../src/wire/broadcast.js';
import type { BatchRequest, BatchResult } from '../src/wire/protocol.js';
import { addScaled } from './fixtures/runtime/math.mjs';

/**
 * A backend of the test suite, in this thread: what a new backend needs is its Backend, a
 * definition that validates its options, and one registration. It "loses" the batches that
 * hold `lose`, as a backend whose worker died would.
 */
class InlineBackend implements Backend {
  readonly kind = 'threads';
  readonly capacity: number;
  readonly sharedMemory = false;
  readonly crashAdvice: string | undefined;
  constructor(
    readonly workers: number,
    readonly lose: number | undefined,
    advice: string | undefined,
  ) {
    this.capacity = workers;
    this.crashAdvice = advice;
  }

  openCall(spec: CallSpec): Promise<CallSession> {
    return Promise.resolve({
      broadcast: { kind: 'inline', bytes: encodeBytes(spec.broadcast) },
      run: async (batch: BatchRequest): Promise<BatchResult> => {
        if (this.lose !== undefined && batch.indices.includes(this.lose)) {
          throw new BatchLostError('the test backend dropped it');
        }
        return await executeBatch(batch, { workerId: 'inline' });
      },
      close: () => Promise.resolve(),
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface InlineSettings {
  readonly workers: number;
  readonly lose: number | undefined;
  readonly crashAdvice: string | undefined;
}

const inlineBackend: BackendDefinition<InlineSettings> = {
  resolveOptions: (options) => {
    const o = checkOptions(options, {
      what: "createPool({ backend: 'inline' }) options",
      known: ['workers', 'lose', 'crashAdvice'],
    });
    return {
      workers: integerOption(o['workers'], 'workers', 1, 2),
      lose: integerOption(o['lose'], 'lose', 0),
      crashAdvice: o['crashAdvice'] as string | undefined,
    };
  },
  create: (s) => new InlineBackend(s.workers, s.lose, s.crashAdvice),
  runtime: () => 'threads',
};

registerBackend('inline', inlineBackend);
afterAll(() => unregisterBackend('inline'));

describe('backends come from a registry: name -> definition', () => {
  it('refuses an unknown backend name, listing the registered ones', () => {
    expect(() => createPool({ backend: 'mpi' } as never)).toThrow(PpevalArgumentError);
    expect(() => createPool({ backend: 'mpi' } as never)).toThrow(
      "Expected `backend` to be 'local', 'redis' or 'inline', got `'mpi'` (string).",
    );
    expect(() => createPool({ backend: 'redsi' } as never)).toThrow(/Did you mean 'redis'\?/);
    expect(() => createPool({ backend: 7 } as never)).toThrow(/got `7` \(number\)/);
    expect(backendNames()).toEqual(['local', 'redis', 'inline']);
  });

  it('runs calls on a backend registered with one line, through createPool', async () => {
    const pool = createPool({ backend: 'inline', workers: 3 } as never);
    expect([pool.concurrency, pool.runtime]).toEqual([3, 'threads']);
    const out = await pool.ppeval(addScaled, array(range(0, 20)), 1, 2);
    expect(out).toEqual(range(0, 20).map((k) => (k + 1) * 2));
    await pool.close();
  });

  it("validates a backend's options with its own definition, suggesting near misses", () => {
    expect(() => createPool({ backend: 'inline', worker: 3 } as never)).toThrow(
      /Unknown option `worker` in createPool\(\{ backend: 'inline' \}\) options\. Did you mean `workers`\?/,
    );
    expect(() => createPool({ backend: 'inline', workers: 0 } as never)).toThrow(
      'Expected `workers` to be an integer from 1 and up, got `0` (number).',
    );
  });

  it("takes the advice for a crashing element from the backend's capability, never its kind", async () => {
    // kind 'threads' without the capability: no advice about local runtimes.
    const plain = createPool({ backend: 'inline', lose: 4 } as never);
    const error = await plain.ppeval(addScaled, array(range(0, 8)), 1, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerExitError);
    expect((error as Error).message).not.toMatch(/runtime: 'processes'/);
    expect((error as Error).message).toMatch(/or fix the crash\.$/);
    const advised = createPool({
      backend: 'inline',
      lose: 4,
      crashAdvice: 'ask the test.',
    } as never);
    const again = await advised
      .ppeval(addScaled, array(range(0, 8)), 1, 2)
      .catch((e: unknown) => e);
    expect((again as Error).message).toMatch(/or ask the test\.$/);
    await Promise.all([plain.close(), advised.close()]);
  });

  it("says 'redis' for a Redis pool's runtime: its workers pick their own sandbox", async () => {
    const pool = createPool({ backend: 'redis', url: 'redis://127.0.0.1:1', connectTimeoutMs: 50 });
    expect(pool.runtime).toBe('redis');
    await pool.close();
  });

  it("keeps the local pool's runtime", async () => {
    const pool = createPool({ concurrency: 1, runtime: 'processes' });
    expect([pool.runtime, pool.concurrency]).toEqual(['processes', 1]);
    await pool.close();
  });
});
