import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createBackend } from '../../src/backends.js';
import { hasRedisServer, skipNote, startRedis, type RedisServer } from '../helpers/redis-server.js';

if (!hasRedisServer) console.warn(skipNote);

// The engine makes the call id (CallSpec.callId); a backend that made its own would name its
// keys after an id no log, statistic or worker message of the engine knows.
describe.skipIf(!hasRedisServer)('the Redis backend keys a call by the engine’s call id', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('stores the call under CallSpec.callId and deletes it when the call ends', async () => {
    const { backend } = createBackend({ backend: 'redis', url: redis.url, queue: 'ids' });
    const client = redis.client();
    try {
      const callId = 'engine-made-call-id';
      const session = await backend.openCall({
        callId,
        fn: { module: 'node:zlib', exportPath: ['crc32'], name: 'crc32' },
        broadcast: [1],
        total: 1,
      });
      expect(await client.keys('ppeval:ids:call:*')).toEqual([`ppeval:ids:call:${callId}`]);
      await session.close();
      expect(await client.keys('ppeval:ids:call:*')).toEqual([]);
    } finally {
      client.disconnect();
      await backend.close();
    }
  });
});
