/**
 * The error a sub-benchmark throws for a bad option or input (an unknown flag, a rank out of
 * range, a folder without images): the CLI prints its message without a stack trace and exits
 * with code 2, as for any usage error. Anything else is a failure, printed with its stack.
 *
 * @example
 * throw new BenchOptionError('Expected --rank to be an integer from 1 and up, got `0` (string).');
 */
export class BenchOptionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BenchOptionError';
  }
}
