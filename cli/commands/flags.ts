import { ConfigError } from '../../core/errors.js';

/** A commander argument parser for a positive whole number; a bad value is a usage error naming the flag. */
export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${flag} expects a positive whole number, got "${value}"`, { code: 'USAGE', hint: `e.g. ${flag} 64` });
    return n;
  };
}
