/**
 * Option parsing shared by the sub-benchmarks: Node's own parser, with every refusal turned into
 * a {@link BenchOptionError} that names the sub-command's valid options (the CLI prints it
 * without a stack and exits with code 2).
 */
import { parseArgs } from 'node:util';
import { BenchOptionError } from './errors.js';

/**
 * Parse a sub-command's arguments: every option takes a value, nothing positional.
 *
 * @param command - the sub-command, for the message (`scaling`)
 * @param args - the arguments after the sub-command
 * @param names - the option names without dashes, in the order the message lists them
 * @returns each option's raw value, undefined when absent
 * @example
 * parseBenchOptions('svd', ['--rank', '20'], ['photo', 'rank']); // { rank: '20' }
 */
export function parseBenchOptions(
  command: string,
  args: readonly string[],
  names: readonly string[],
): Record<string, string | undefined> {
  try {
    const { values } = parseArgs({
      args: [...args],
      options: Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    });
    return values as Record<string, string | undefined>;
  } catch (err) {
    const flags = names.map((n) => `--${n}`);
    const list =
      flags.length > 1 ? `${flags.slice(0, -1).join(', ')} and ${flags.at(-1)}` : flags.join('');
    throw new BenchOptionError(
      `${(err as Error).message.replace(/\.?$/, '.')} The ${command} options are ${list} ` +
        `(see \`npm run bench -- ${command} --help\`).`,
      { cause: err },
    );
  }
}

/**
 * An integer option's value, or `fallback` when it was not given.
 *
 * @param name - the option name without dashes, for the message
 * @param raw - the raw value from {@link parseBenchOptions}
 * @param fallback - the value when absent
 * @param min - the smallest accepted value
 * @param max - the largest accepted value @default Infinity
 * @example
 * integerOption('rank', '20', 50, 1); // 20
 */
export function integerOption(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max = Number.POSITIVE_INFINITY,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `from ${min} and up` : `from ${min} to ${max}`;
    throw new BenchOptionError(
      `Expected --${name} to be an integer ${range}, got \`${raw}\` (string).`,
    );
  }
  return value;
}
