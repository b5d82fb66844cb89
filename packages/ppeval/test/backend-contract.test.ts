import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';

import type { Backend, CallSession, CallSpec } from '../src/backend.js';
import { BatchLostError } from '../src/backend.js';
import { encodeBytes } from '../src/wire/broadcast.js';
import { array, range } from '../src/dist-array.js';
import { TaskError, WorkerExitError } from '../src/errors.js';
import { executeBatch } from '../src/local/execute.js';
import type { BatchRequest, BatchResult } from '../src/wire/protocol.js';
import { makePpeval } from '../src/ppeval.js';
import { failAt } from './fixtures/runtime/failing.mjs';
import { addScaled } from './fixtures/runtime/math.mjs';

/**
 * A backend that runs batches in this thread with `executeBatch`, as a remote backend's worker
 * would, and records how the engine drives it: what every backend may rely on.
 */
class RecordingBackend implements Backend {
  readonly kind = 'recording';
  readonly workers = 2;
  readonly capacity = 3;
  readonly sharedMemory = false;
  inFlight = 0;
  maxInFlight = 0;
  opened = 0;
  closed = 0;
  runsAfterClose = 0;
  readonly runsPerIndex = new Map<number, number>();
  /** Batches for which this returns true "lose their worker". */
  lose: (batch: BatchRequest) => boolean = () => false;

  openCall(spec: CallSpec): Promise<CallSession> {
    this.opened += 1;
    let open = true;
    return Promise.resolve({
      broadcast: { kind: 'inline', bytes: encodeBytes(spec.broadcast) },
      run: async (batch: BatchRequest, signal: AbortSignal): Promise<BatchResult> => {
        if (!open) this.runsAfterClose += 1;
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        try {
          await tick();
          if (signal.aborted) throw new Error('aborted');
          for (const k of batch.indices)
            this.runsPerIndex.set(k, (this.runsPerIndex.get(k) ?? 0) + 1);
          if (this.lose(batch)) throw new BatchLostError('the test killed it', 9);
          return await executeBatch(batch, { workerId: `fake:${batch.indices[0]! % 2}` });
        } finally {
          this.inFlight -= 1;
        }
      },
      close: () => {
        open = false;
        this.closed += 1;
        return Promise.resolve();
      },
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('the engine drives any backend through the Backend contract', () => {
  it('gives ordered results, respects capacity, opens and closes each call once', async () => {
    const backend = new RecordingBackend();
    const ppeval = makePpeval(() => backend);
    const out = await ppeval(addScaled, array(range(0, 40)), 1, 2);
    expect(out).toEqual(range(0, 40).map((k) => (k + 1) * 2));
    expect(backend.maxInFlight).toBeLessThanOrEqual(backend.capacity);
    expect(backend.maxInFlight).toBeGreaterThan(1);
    expect([backend.opened, backend.closed, backend.runsAfterClose]).toEqual([1, 1, 0]);
  });

  it('re-runs a lost multi-element batch one element at a time and blames only the culprit', async () => {
    const backend = new RecordingBackend();
    backend.lose = (batch) => batch.indices.includes(5);
    const ppeval = makePpeval(() => backend);
    const outcomes = await ppeval.with({ settle: true, chunkSize: 4 })(
      addScaled,
      array(range(0, 8)),
      0,
      1,
    );
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const reason = (outcomes[5] as { reason: unknown }).reason as WorkerExitError;
    expect(reason).toBeInstanceOf(WorkerExitError);
    expect(reason.exitCode).toBe(9);
    // 4-7 ran in their batch, then alone; 0-3 once.
    expect([...backend.runsPerIndex.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 2],
      [5, 2],
      [6, 2],
      [7, 2],
    ]);
  });

  it('applies `retries` to a lost single element', async () => {
    const backend = new RecordingBackend();
    let losses = 0;
    backend.lose = (batch) => batch.indices[0] === 1 && losses++ < 2;
    const ppeval = makePpeval(() => backend);
    expect(await ppeval.with({ retries: 2 })(addScaled, array([0, 1, 2]), 0, 1)).toEqual([0, 1, 2]);
    expect(backend.runsPerIndex.get(1)).toBe(3);
  });

  it('settles a failed call only after its runs have settled and its session is closed', async () => {
    const backend = new RecordingBackend();
    const ppeval = makePpeval(() => backend);
    const error: unknown = await ppeval(failAt, array(range(0, 30)), 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(backend.inFlight).toBe(0);
    expect([backend.opened, backend.closed, backend.runsAfterClose]).toEqual([1, 1, 0]);
  });

  it('holds back new batches while a stream consumer is behind (backpressure)', async () => {
    const backend = new RecordingBackend();
    const ppeval = makePpeval(() => backend);
    const stream = ppeval.with({ chunkSize: 10 }).stream(addScaled, array(range(0, 2000)), 0, 1);
    const first = await stream.next();
    expect(first.done).toBe(false);
    // Give an engine without backpressure ample time to run all 2,000 elements.
    for (let i = 0; i < 200; i++) await tick();
    const ran = backend.runsPerIndex.size;
    expect(ran).toBeLessThan(200);
    // Consuming lets the call go on to the end.
    let count = 1;
    for await (const item of stream) {
      expect(item.value).toBe(item.index);
      count += 1;
    }
    expect(count).toBe(2000);
    expect(backend.runsPerIndex.size).toBe(2000);
  });
});
