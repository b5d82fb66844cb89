/**
 * The sandboxes of a Redis worker process: one per concurrent batch, worker threads or child
 * processes. A sandbox that dies (process.exit in the function, an uncaught error in a timer, a
 * heap limit, a killed process) fails its batch with {@link SandboxExitError} and is replaced on
 * the next batch; a batch can be cancelled, which terminates its sandbox.
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { BatchRequest, BatchResult } from '../wire/protocol.js';
import { deserializeError } from '../wire/serialize-error.js';
import type { SandboxReply } from './sandbox.js';

/** Where a worker runs its batches. */
export type SandboxKind = 'threads' | 'processes';

/** The sandbox running a batch died before answering. */
export class SandboxExitError extends Error {
  readonly exitCode: number | undefined;

  constructor(message: string, exitCode: number | undefined, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SandboxExitError';
    this.exitCode = exitCode;
  }
}

/** The batch was cancelled (its caller gave up on it) and its sandbox terminated. */
export class SandboxCancelledError extends Error {
  constructor() {
    super('The batch was cancelled by its caller.');
    this.name = 'SandboxCancelledError';
  }
}

interface Slot {
  readonly post: (message: { request: BatchRequest }) => void;
  readonly terminate: () => Promise<unknown>;
  /** Calls whose broadcast bytes this (process) sandbox already holds. */
  readonly sentCalls: Set<string>;
  /** The batch it runs, by key, or undefined when idle. */
  busy: string | undefined;
  settle: ((reply: SandboxReply | Error) => void) | undefined;
}

const ENTRY = new URL('./sandbox.js', import.meta.url);

/** A fixed number of sandboxes. */
export class SandboxPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly kind: SandboxKind = 'threads',
  ) {}

  /** Runs a batch on an idle sandbox (waits for one). `key` names it for {@link cancel}. */
  async run(key: string, request: BatchRequest): Promise<BatchResult> {
    const slot = await this.acquire(key);
    try {
      let reply = await this.exchange(slot, this.forSandbox(slot, request));
      if (!(reply instanceof Error) && !reply.ok && 'resend' in reply) {
        slot.sentCalls.delete(request.callId);
        reply = await this.exchange(slot, this.forSandbox(slot, request));
      }
      if (reply instanceof Error) throw reply;
      if (!reply.ok) {
        throw 'error' in reply ? deserializeError(reply.error) : new Error('broadcast lost');
      }
      return reply.result as BatchResult;
    } finally {
      slot.busy = undefined;
      slot.settle = undefined;
      this.waiting.shift()?.();
    }
  }

  /** Terminates the sandbox running batch `key`, if any; its `run` rejects. */
  cancel(key: string): boolean {
    const slot = this.slots.find((s) => s.busy === key);
    if (slot === undefined) return false;
    const settle = slot.settle;
    this.drop(slot);
    settle?.(new SandboxCancelledError());
    return true;
  }

  /** Terminates every sandbox; running batches reject. */
  async close(): Promise<void> {
    this.closed = true;
    const all = this.slots.splice(0);
    await Promise.all(
      all.map(async (slot) => {
        const settle = slot.settle;
        slot.settle = undefined;
        settle?.(new SandboxCancelledError());
        await slot.terminate();
      }),
    );
    for (const wake of this.waiting.splice(0)) wake();
  }

  private exchange(slot: Slot, request: BatchRequest): Promise<SandboxReply | Error> {
    return new Promise((resolve) => {
      slot.settle = resolve;
      slot.post({ request });
    });
  }

  /**
   * Threads receive the broadcast bytes by reference (a SharedArrayBuffer) with every batch. A
   * process receives a copy once per call and is told to use it afterwards.
   */
  private forSandbox(slot: Slot, request: BatchRequest): BatchRequest {
    if (this.kind === 'threads' || request.broadcast.kind !== 'inline') return request;
    if (slot.sentCalls.has(request.callId)) return { ...request, broadcast: { kind: 'cached' } };
    slot.sentCalls.add(request.callId);
    if (slot.sentCalls.size > 8)
      slot.sentCalls.delete(slot.sentCalls.values().next().value as string);
    const shared = request.broadcast['bytes'] as Uint8Array;
    return { ...request, broadcast: { kind: 'inline', bytes: new Uint8Array(shared) } };
  }

  /** Takes an idle sandbox (or starts one) and marks it busy with `key` in the same tick. */
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

  private spawn(): Slot {
    let slot: Slot;
    let failure: Error | undefined;
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      const settle = slot.settle;
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      if (settle !== undefined) {
        const what = this.kind === 'threads' ? 'sandbox thread' : 'sandbox process';
        const how =
          failure !== undefined
            ? `died: ${failure.message}`
            : signal !== null
              ? `was killed by ${signal}`
              : `exited with code ${code}`;
        settle(
          new SandboxExitError(
            `The ${what} ${how} while running the batch.`,
            code ?? undefined,
            failure === undefined ? undefined : { cause: failure },
          ),
        );
      }
      this.waiting.shift()?.();
    };
    const onMessage = (reply: SandboxReply): void => slot.settle?.(reply);
    const onError = (err: Error): void => {
      failure = err;
    };
    if (this.kind === 'threads') {
      const worker = new Worker(ENTRY);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', (code) => onExit(code, null));
      slot = {
        post: (m) => worker.postMessage(m),
        terminate: () => worker.terminate(),
        sentCalls: new Set(),
        busy: undefined,
        settle: undefined,
      };
    } else {
      const child: ChildProcess = fork(ENTRY, [], {
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('message', onMessage as (m: unknown) => void);
      child.on('error', onError);
      child.on('exit', onExit);
      slot = {
        post: (m) => child.send(m),
        terminate: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((r) => child.once('exit', r));
            child.kill('SIGKILL');
            await exited;
          }
        },
        sentCalls: new Set(),
        busy: undefined,
        settle: undefined,
      };
    }
    this.slots.push(slot);
    return slot;
  }

  private drop(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    slot.settle = undefined;
    void slot.terminate();
    this.waiting.shift()?.();
  }
}
