/**
 * Redis connections: settings from a `redis://` or `rediss://` URL, the one way every message
 * shows such a URL (its credentials masked), and the caller's connections (a command client, a
 * reader for blocking reads, the BullMQ queue) with a way to wait on them that gives up as soon
 * as the server goes away.
 *
 * @module
 */
import type { Queue } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { isIP } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { describeValue } from '../describe-value.js';
import { BackendError, PpevalArgumentError } from '../errors.js';
import { BULL_PREFIX, type JobData } from './keys.js';

/** How long a disconnected socket may take to close before it is destroyed. */
const DISCONNECT_WAIT_MS = 100;

/** A parsed Redis URL: what ioredis needs, and the masked form for messages. */
export interface RedisTarget {
  /** ioredis options (host, port, credentials, db, TLS); never print this object. */
  readonly options: RedisOptions;
  /** The URL with any user name and password replaced by `***`, safe to print. */
  readonly display: string;
}

/**
 * Replaces the credentials of a Redis URL (and of any URL-like text inside a message) with
 * `***`, so that a message never carries a password.
 *
 * @example
 * maskUrl('redis://:s3cret@db:6379/0'); // 'redis://***@db:6379/0'
 */
export function maskUrl(text: string): string {
  // Any scheme: a mistyped `http://:password@host` must not leak either.
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, '$1***@');
}

/**
 * Parses `redis://[user[:password]@]host[:port][/db]` or `rediss://...` (TLS) into ioredis
 * options. Throws {@link PpevalArgumentError} naming the masked URL when it is not one.
 */
export function parseRedisUrl(url: unknown, tls?: TlsOptions): RedisTarget {
  if (typeof url !== 'string' || url.length === 0) {
    throw new PpevalArgumentError(
      `Expected \`url\` to be a Redis URL such as 'redis://host:6379' or 'rediss://host:6380', ` +
        `got ${describeValue(url)}.`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PpevalArgumentError(
      `Expected \`url\` to be a Redis URL such as 'redis://host:6379', got '${maskUrl(url)}', ` +
        'which is not a URL.',
    );
  }
  const display = maskUrl(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new PpevalArgumentError(
      `Expected \`url\` to start with redis:// or rediss:// (TLS), got '${display}' ` +
        `(protocol ${parsed.protocol}).`,
    );
  }
  if (parsed.hostname === '') {
    throw new PpevalArgumentError(`Expected \`url\` to name a host, got '${display}'.`);
  }
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const dbText = parsed.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw new PpevalArgumentError(
      `Expected the path of \`url\` to be a database number such as /0, got '${display}'.`,
    );
  }
  // URL keeps IPv6 literals in brackets; net.connect wants them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const options: RedisOptions = { host, port, db };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:' || tls !== undefined) {
    // SNI takes host names only; an IP address is checked against the certificate's IP SANs.
    options.tls = isIP(host) === 0 ? { servername: host, ...tls } : { ...tls };
  }
  return { options, display };
}

/** The caller's connections to one Redis server. */
export interface Connections {
  /** Commands; also the queue's connection. */
  readonly client: Redis;
  /** Blocking reads of the result stream (XREAD BLOCK would hold up the client's commands). */
  readonly reader: Redis;
  readonly queue: Queue<JobData>;
}

/**
 * Opens the caller's connections (bullmq and ioredis are optional peer dependencies, imported
 * only by pools that use Redis). Throws {@link BackendError} when they are not installed.
 * `onError` receives every connection error (ioredis repeats them while it reconnects).
 */
export async function openConnections(
  target: RedisTarget,
  queueName: string,
  onError: (err: Error) => void,
): Promise<Connections> {
  let Queue: typeof import('bullmq').Queue;
  let Redis: typeof import('ioredis').Redis;
  try {
    [{ Queue }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
  } catch (err) {
    throw new BackendError(
      'The Redis backend needs the packages bullmq and ioredis: `npm install bullmq ioredis`.',
      { cause: err },
    );
  }
  // Commands wait for a reconnection instead of failing, so a dropped connection loses
  // nothing; the backend's watchdog turns a long outage into a BackendError.
  // disconnect() ends the socket and destroys it only after disconnectTimeout (ioredis: 2 s):
  // a socket still trying to reach an unreachable server never closes by itself, so the
  // process would stay alive that long after close(). close() has finished its commands by
  // then, so a short wait loses nothing.
  const options = {
    ...target.options,
    maxRetriesPerRequest: null,
    disconnectTimeout: DISCONNECT_WAIT_MS,
  };
  const client = new Redis(options);
  const reader = new Redis(options);
  client.on('error', onError);
  reader.on('error', onError);
  const queue = new Queue<JobData>(queueName, {
    connection: client,
    prefix: BULL_PREFIX,
    streams: { events: { maxLen: 100 } },
  });
  queue.on('error', onError);
  return { client, reader, queue };
}

/** Whether both connections are up now (a command sent now is not queued for a reconnection). */
export function isConnected(connections: Connections | undefined): boolean {
  return connections?.client.status === 'ready' && connections.reader.status === 'ready';
}

/**
 * Waits for `work` (Redis commands) at most `ms`, then rejects with `late()`. With `lost`, it
 * also rejects with `lost()` as soon as the connection drops (or at once when it is down):
 * while Redis is away ioredis keeps commands queued for a reconnection that may never come,
 * and this is how a caller stops waiting for them without cancelling them.
 */
export async function whileConnected<T>(
  client: Redis,
  work: Promise<T>,
  ms: number,
  late: () => Error,
  lost?: () => Error,
): Promise<T> {
  work.catch(() => {});
  if (lost !== undefined && client.status !== 'ready') throw lost();
  let timer: NodeJS.Timeout | undefined;
  let onClose: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
    timer.unref();
    if (lost === undefined) return;
    onClose = () => reject(lost());
    client.once('close', onClose);
  });
  try {
    return await Promise.race([work, stop]);
  } finally {
    clearTimeout(timer);
    if (onClose !== undefined) client.removeListener('close', onClose);
  }
}
