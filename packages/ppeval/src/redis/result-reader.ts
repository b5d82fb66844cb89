/**
 * The caller's side of a pool's result stream: batches waiting for their result, and the loop
 * that reads the stream by id (XREAD), so that a dropped connection resumes where it stopped and
 * loses nothing. Each record settles the batch of its job id once: a record that arrives again
 * (a batch that ran twice, at least once) or for a batch nobody waits for is dropped, which is
 * how at-least-once execution still gives each element's result exactly once.
 *
 * @module
 */
import { deserialize } from 'node:v8';
import type { Redis } from 'ioredis';
import { BatchLostError } from '../backend.js';
import { BackendError } from '../errors.js';
import type { BatchResult } from '../wire/protocol.js';

/** How long an XREAD blocks; also the pace of the periodic checks. */
const READ_BLOCK_MS = 1000;
/** How long to wait before reading again after a failed read. */
const READ_RETRY_MS = 200;

/** A batch (one job) waiting for its result. */
export interface Pending {
  readonly callId: string;
  /** Settles once the job is in Redis (or could not be added): cancel only after it. */
  added: Promise<unknown>;
  readonly resolve: (result: BatchResult) => void;
  readonly reject: (error: unknown) => void;
  /** The read generation when the job's key was first found missing. */
  missingSince: number | undefined;
}

/** What the reader needs from its backend. */
export interface ReaderHost {
  readonly client: Redis;
  readonly reader: Redis;
  /** The pool's result stream. */
  readonly stream: string;
  /** The BullMQ key of a job. */
  jobKey(jobId: string): string;
  /** Checks to run about once a second while batches are pending (workers, keys). */
  tick(): Promise<void>;
  /** Keeps the last error, for messages about an unreachable server. */
  remember(err: unknown): void;
}

/** The pending batches of a pool and the loop that settles them. */
export class ResultReader {
  readonly #host: ReaderHost;
  readonly #pending = new Map<string, Pending>();
  #reading: Promise<void> | undefined;
  #stopped = false;
  #stop: (() => void) | undefined;
  readonly #stopping = new Promise<void>((resolve) => {
    this.#stop = resolve;
  });
  #generation = 0;
  #lastId = '0-0';

  constructor(host: ReaderHost) {
    this.#host = host;
  }

  /** Number of batches waiting. */
  get size(): number {
    return this.#pending.size;
  }

  /** Waits for the result of job `jobId`; the loop reads while any batch waits. */
  expect(jobId: string, callId: string): Promise<BatchResult> {
    const result = new Promise<BatchResult>((resolve, reject) => {
      this.#pending.set(jobId, {
        callId,
        added: Promise.resolve(),
        resolve,
        reject,
        missingSince: undefined,
      });
    });
    this.#start();
    return result;
  }

  get(jobId: string): Pending | undefined {
    return this.#pending.get(jobId);
  }

  /** Stops waiting for a job; returns what waited for it (to settle it), if anything did. */
  take(jobId: string): Pending | undefined {
    const pending = this.#pending.get(jobId);
    this.#pending.delete(jobId);
    return pending;
  }

  /** Removes and returns the waiting batches, all of them or those matching `which`. */
  takeAll(which: (pending: Pending) => boolean = () => true): [string, Pending][] {
    const taken = [...this.#pending].filter(([, pending]) => which(pending));
    for (const [jobId] of taken) this.#pending.delete(jobId);
    return taken;
  }

  /**
   * Ends the loop without waiting for the read in progress: while Redis is away that read stays
   * queued in ioredis for a reconnection that may never come.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stop?.();
    await this.#reading?.catch(() => {});
  }

  #start(): void {
    if (this.#reading !== undefined || this.#stopped) return;
    this.#reading = this.#loop().finally(() => {
      this.#reading = undefined;
      if (this.#pending.size > 0) this.#start();
    });
  }

  async #loop(): Promise<void> {
    const { reader, client, stream } = this.#host;
    let lastCheck = Date.now();
    while (!this.#stopped && this.#pending.size > 0) {
      let reply: [string, [string, Buffer[]][]][] | null | 'stopped';
      try {
        const read = reader.xreadBuffer(
          'COUNT',
          256,
          'BLOCK',
          READ_BLOCK_MS,
          'STREAMS',
          stream,
          this.#lastId,
        ) as unknown as Promise<[string, [string, Buffer[]][]][] | null>;
        read.catch(() => {});
        reply = await Promise.race([read, this.#stopping.then(() => 'stopped' as const)]);
      } catch (err) {
        if (this.#stopped) return;
        this.#host.remember(err);
        await new Promise((r) => setTimeout(r, READ_RETRY_MS));
        continue;
      }
      if (reply === 'stopped') return;
      this.#generation += 1;
      const seen: string[] = [];
      for (const [, entries] of reply ?? []) {
        for (const [entryId, fields] of entries) {
          this.#lastId = entryId.toString();
          seen.push(this.#lastId);
          this.#deliver(fields);
        }
      }
      if (seen.length > 0) void client.xdel(stream, ...seen).catch(() => {});
      if (Date.now() - lastCheck >= READ_BLOCK_MS) {
        lastCheck = Date.now();
        // A failed check (Redis unreachable) is retried on the next read; its error is kept so
        // that a call that later times out on the connection says why.
        await this.#checkVanished().catch((err: unknown) => this.#host.remember(err));
        await this.#host.tick().catch((err: unknown) => this.#host.remember(err));
      }
    }
  }

  #deliver(fields: Buffer[]): void {
    const record = new Map<string, Buffer>();
    for (let i = 0; i + 1 < fields.length; i += 2) {
      record.set((fields[i] as Buffer).toString(), fields[i + 1] as Buffer);
    }
    // A batch that ran twice (at least once) or whose caller gave up: nobody waits for it.
    const pending = this.take(record.get('j')?.toString() ?? '');
    if (pending === undefined) return;
    const payload = record.get('p') ?? Buffer.alloc(0);
    switch (record.get('k')?.toString()) {
      case 'ok':
        pending.resolve(deserialize(payload) as BatchResult);
        break;
      case 'lost': {
        const lost = JSON.parse(payload.toString()) as { message: string; exitCode?: number };
        pending.reject(new BatchLostError(lost.message, lost.exitCode));
        break;
      }
      default:
        pending.reject(new BackendError(payload.toString()));
    }
  }

  /**
   * Finds batches whose job vanished without a result (a worker died after BullMQ removed the
   * job but before it wrote the record). A job missing for two whole reads of the stream is
   * lost: any result written before the removal would have been read by then.
   */
  async #checkVanished(): Promise<void> {
    const ids = [...this.#pending.keys()];
    if (ids.length === 0) return;
    const pipeline = this.#host.client.pipeline();
    for (const id of ids) pipeline.exists(this.#host.jobKey(id));
    const replies = (await pipeline.exec()) ?? [];
    ids.forEach((id, i) => {
      const pending = this.#pending.get(id);
      if (pending === undefined) return;
      const exists = replies[i]?.[1] === 1;
      if (exists) {
        pending.missingSince = undefined;
      } else if (pending.missingSince === undefined) {
        pending.missingSince = this.#generation;
      } else if (this.#generation - pending.missingSince >= 2) {
        this.#pending.delete(id);
        pending.reject(
          new BatchLostError('The batch vanished from Redis without a result (its worker died).'),
        );
      }
    });
  }
}
