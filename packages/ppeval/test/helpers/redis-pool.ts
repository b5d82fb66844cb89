/** How the Redis tests make a pool: `createPool({ backend: 'redis', ... })`, as a user does. */
import { readFileSync, existsSync } from 'node:fs';
import { createPool } from 'ppeval';
import type { Pool, RedisPoolOptions } from 'ppeval';

/** A pool on the Redis backend. */
export function redisPool(options: Omit<RedisPoolOptions, 'backend'>): Pool {
  return createPool({ backend: 'redis', ...options });
}

/** Runs per element from a fixture log: index -> number of `tag` lines. */
export function countRuns(log: string, tag = 'run'): Map<number, number> {
  const counts = new Map<number, number>();
  if (!existsSync(log)) return counts;
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const [t, index] = line.split(' ');
    if (t === tag && index !== undefined)
      counts.set(Number(index), (counts.get(Number(index)) ?? 0) + 1);
  }
  return counts;
}
