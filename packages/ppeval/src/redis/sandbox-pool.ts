/**
 * The worker threads of a Redis worker process: one per concurrent batch. A thread that dies
 * (process.exit in the function, an uncaught error in a timer, a heap limit) fails its batch
 * with {@link SandboxExitError} and is replaced on the next batch; a batch can be cancelled,
 * which terminates its thread.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { BatchRequest, BatchResult } from '../protocol.js';
import { deserializeError } from '../serialize-error.js';
import type { SandboxReply } from './sandbox.js';

/** The sandbox thread running a batch died before answering. */
export class SandboxExitError extends Error {
  readonly exitCode: number | undefined;

  constructor(message: string, exitCode: number | undefined, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SandboxExitError';
    this.exitCode = exitCode;
  }
}

/** The batch was cancelled (its caller gave up on it) and its thread terminated. */
export class SandboxCancelledError extends Error {
  constructor() {
    super('The batch was cancelled by its caller.');
    this.name = 'SandboxCancelledError';
  }
}

interface Slot {
  worker: Worker;
  /** The batch it runs, by key, or undefined when idle. */
  busy: string | undefined;
  settle: ((reply: SandboxReply | Error) => void) | undefined;
}

const ENTRY = new URL('./sandbox.js', import.meta.url);

/** A fixed number of sandbox threads. */
export class SandboxPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  constructor(private readonly size: number) {}

  /** Number of batches running now. */
  get running(): number {
    return this.slots.filter((s) => s.busy !== undefined).length;
  }

  /**
   * Runs a batch on an idle thread (waits for one). `key` names the batch for
   * {@link cancel}. `transfer` lists buffers to move rather than copy.
   */
  async run(key: string, request: BatchRequest): Promise<BatchResult> {
    const slot = await this.acquire(key);
    try {
      const reply = await new Promise<SandboxReply | Error>((resolve) => {
        slot.settle = resolve;
        slot.worker.postMessage({ request });
      });
      if (reply instanceof Error) throw reply;
      if (!reply.ok) throw deserializeError(reply.error);
      return reply.result as BatchResult;
    } finally {
      slot.busy = undefined;
      slot.settle = undefined;
      this.release(slot);
    }
  }

  /** Terminates the thread running batch `key`, if any; its `run` rejects. */
  cancel(key: string): boolean {
    const slot = this.slots.find((s) => s.busy === key);
    if (slot === undefined) return false;
    const settle = slot.settle;
    this.drop(slot);
    settle?.(new SandboxCancelledError());
    return true;
  }

  /** Terminates every thread; running batches reject. */
  async close(): Promise<void> {
    this.closed = true;
    const all = this.slots.splice(0);
    await Promise.all(
      all.map(async (slot) => {
        slot.settle?.(new SandboxCancelledError());
        await slot.worker.terminate();
      }),
    );
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Takes an idle thread (or starts one) and marks it busy with `key` in the same tick. */
  private async acquire(key: string): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new SandboxCancelledError();
      const slot =
        this.slots.find((s) => s.busy === undefined) ??
        (this.slots.length < this.size ? this.spawn() : undefined);
      if (slot !== undefined) {
        slot.busy = key;
        return slot;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(_slot: Slot): void {
    this.waiting.shift()?.();
  }

  private spawn(): Slot {
    const worker = new Worker(ENTRY);
    const slot: Slot = { worker, busy: undefined, settle: undefined };
    let failure: Error | undefined;
    worker.on('message', (reply: SandboxReply) => slot.settle?.(reply));
    worker.on('error', (err) => {
      failure = err;
    });
    worker.on('exit', (code) => {
      const settle = slot.settle;
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      if (settle !== undefined) {
        settle(
          new SandboxExitError(
            failure === undefined
              ? `The sandbox thread exited with code ${code} while running the batch.`
              : `The sandbox thread died while running the batch: ${failure.message}`,
            code,
            failure === undefined ? undefined : { cause: failure },
          ),
        );
      }
      this.waiting.shift()?.();
    });
    this.slots.push(slot);
    return slot;
  }

  private drop(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    slot.settle = undefined;
    void slot.worker.terminate();
    this.waiting.shift()?.();
  }
}
