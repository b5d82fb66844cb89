/**
 * Redis connection settings from a `redis://` or `rediss://` URL, and the one way every message
 * shows such a URL: with its credentials masked.
 *
 * @module
 */
import type { RedisOptions } from 'ioredis';
import { isIP } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { describeValue } from '../describe-value.js';
import { PpevalArgumentError } from '../errors.js';

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
