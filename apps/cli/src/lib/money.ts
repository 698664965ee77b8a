import { CliError } from './errors';

/** "20.00" dollars per GPU-hour (as `sf` takes them) -> 2000 cents, the API's unit. */
export function dollarsToCents(value: string, flag: string): number {
  if (!/^-?\d+(\.\d{1,2})?$/.test(value.trim())) {
    throw new CliError(`${flag} must be dollars like 20.00`, 2);
  }
  return Math.round(Number(value) * 100);
}

export const centsToDollars = (cents: number | null | undefined): string =>
  cents === null || cents === undefined ? '-' : `$${(cents / 100).toFixed(2)}`;
