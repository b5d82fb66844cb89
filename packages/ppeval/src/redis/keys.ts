/**
 * What the Redis backend stores, under one prefix per queue, and the wire records between the
 * caller and the workers. BullMQ keeps its own keys (`ppeval:<queue>:...`) for the jobs; one job
 * is one batch of elements.
 *
 * Per pool:
 * - `ppeval:<queue>:res:<poolId>`: a stream where workers append batch results; the pool reads it
 *   by id (XREAD), so a dropped connection resumes where it stopped and loses nothing. Entries
 *   are deleted once read; the key is deleted when the pool closes.
 *
 * Per call (deleted when the call ends; a TTL of `keyTtlMs`, refreshed while the pool lives,
 * covers a caller that dies):
 * - `ppeval:<queue>:call:<callId>`: a hash with the function, its code version, the result
 *   stream's key and the broadcast arguments (`v8.serialize`, stored once per call). Workers write
 *   a result only while this key exists, so a late result cannot re-create keys of a finished
 *   call.
 *
 * - `ppeval:<queue>:pool:<poolId>`: exists while the pool lives (a TTL of a minute, or `keyTtlMs`
 *   when shorter, refreshed by the pool and re-created after a reconnection and with each call);
 *   workers skip the batches of a caller that died instead of running them for nobody.
 *
 * Per worker: `ppeval:<queue>:worker:<id>` (its concurrency, with a TTL refreshed while it
 * lives), which tells callers how many workers there are.
 *
 * @module
 */

/** Version of this wire format; a worker refuses jobs of another version. */
export const PROTOCOL_VERSION = 1;

/** BullMQ's key prefix for every queue of the backend. */
export const BULL_PREFIX = 'ppeval';

/** Key names of one queue. */
export function keysOf(queue: string) {
  const base = `${BULL_PREFIX}:${queue}`;
  return {
    call: (callId: string) => `${base}:call:${callId}`,
    results: (poolId: string) => `${base}:res:${poolId}`,
    pool: (poolId: string) => `${base}:pool:${poolId}`,
    worker: (workerId: string) => `${base}:worker:${workerId}`,
    workerPattern: `${base}:worker:*`,
    cancelChannel: `${base}:cancel`,
    job: (jobId: string) => `${base}:${jobId}`,
  };
}

/**
 * Prefix of the message a caller publishes on the cancel channel when a call ends; other
 * messages on that channel are job ids to cancel.
 */
export const END_OF_CALL = 'end:';

/** Fields of a call's hash. */
export const CALL_FIELDS = {
  /** JSON {@link CallMeta}. */
  meta: 'm',
  /** `v8.serialize` of the broadcast values. */
  broadcast: 'b',
} as const;

/** The JSON part of a call's hash. */
export interface CallMeta {
  readonly protocol: number;
  /** The caller's ppeval version: workers refuse calls from another version. */
  readonly ppeval: string;
  /** `FunctionRef` minus its module, which travels as `locator`. */
  readonly exportPath: readonly string[];
  readonly name: string;
  /** A `ModuleLocator` (see module-policy.ts). */
  readonly locator: unknown;
  /** The pool's result stream. */
  readonly results: string;
  /** The pool's liveness key: workers skip the batches of a pool that died. */
  readonly pool: string;
  /** Largest result payload a worker may write. */
  readonly maxPayloadBytes: number;
  /** Whether the call has broadcast values (field `b`). */
  readonly hasBroadcast: boolean;
}

/** Data of a BullMQ job (JSON): one batch. */
export interface JobData {
  /** The call id. */
  readonly c: string;
  /** Base64 of `v8.serialize({ slots, indices, elements })`. */
  readonly b: string;
}

/** Kinds of records a worker appends to a result stream (field `k`). */
export type RecordKind =
  /** `p` is `v8.serialize(BatchResult)`. */
  | 'ok'
  /** The batch's worker died too often: `p` is JSON `{ message, exitCode }`. */
  | 'lost'
  /** The worker refused the call (module outside its roots, code version): `p` is a message. */
  | 'refused';

/**
 * Appends a record to the pool's result stream, but only while the call's hash exists.
 * KEYS: call hash, result stream. ARGV: job id, kind, payload.
 */
export const WRITE_RESULT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'j', ARGV[1], 'k', ARGV[2], 'p', ARGV[3])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
`;
