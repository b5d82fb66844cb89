import { describe, expect, it } from 'vitest';

import { deserializeError, serializeError } from '../../src/wire/serialize-error.js';

/** What crossing to the caller does: serialize, structured-clone, rebuild. */
const roundTrip = (thrown: unknown): unknown =>
  deserializeError(structuredClone(serializeError(thrown)));

class HttpError extends Error {
  status = 503;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HttpError';
  }
}

describe('errors across the worker boundary', () => {
  it('keeps the class name, message, stack, code and own properties', () => {
    const original = Object.assign(new HttpError('unavailable'), { code: 'E_HTTP', retry: [1, 2] });
    const copy = roundTrip(original) as HttpError & { code: string; retry: number[] };
    expect(copy).toBeInstanceOf(Error);
    expect(copy.name).toBe('HttpError');
    expect(copy.message).toBe('unavailable');
    expect(copy.stack).toBe(original.stack);
    expect(copy.code).toBe('E_HTTP');
    expect(copy.status).toBe(503);
    expect(copy.retry).toEqual([1, 2]);
  });

  it('rebuilds built-in classes and nested causes', () => {
    const original = new Error('outer', { cause: new RangeError('inner', { cause: 'root' }) });
    const copy = roundTrip(original) as Error & { cause: RangeError & { cause: string } };
    expect(copy.cause).toBeInstanceOf(RangeError);
    expect(copy.cause.message).toBe('inner');
    expect(copy.cause.cause).toBe('root');
  });

  it('keeps AggregateError members', () => {
    const copy = roundTrip(new AggregateError([new TypeError('a')], 'many')) as AggregateError;
    expect(copy).toBeInstanceOf(AggregateError);
    expect((copy.errors[0] as Error).name).toBe('TypeError');
  });

  it('passes thrown non-errors through and makes unsendable properties printable', () => {
    expect(roundTrip('just a string')).toBe('just a string');
    expect(roundTrip({ reason: 42 })).toEqual({ reason: 42 });
    const withFunction = Object.assign(new Error('x'), { callback: function onDone() {} });
    expect((roundTrip(withFunction) as { callback: string }).callback).toBe('[Function onDone]');
  });

  it('never throws: a property whose getter throws, and a value that cannot be inspected', () => {
    const withGetter = new Error('kept');
    Object.defineProperty(withGetter, 'secret', {
      enumerable: true,
      get() {
        throw new TypeError('no access');
      },
    });
    const copy = roundTrip(withGetter) as Error & { secret: string };
    expect(copy.message).toBe('kept');
    expect(copy.secret).toBe('[unreadable: TypeError: no access]');

    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const described = roundTrip(revoked.proxy) as Error;
    expect(described).toBeInstanceOf(Error);
    expect(described.message).toMatch(
      /threw a value that cannot be read to send it back \(TypeError: /,
    );
  });
});
