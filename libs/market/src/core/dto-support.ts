export { hourOf, HOUR_MS } from './time-blocks';
/** Ledger money is micro-credits and one credit is one cent. */
export const MICRO_PER_CENT = 1_000_000;
