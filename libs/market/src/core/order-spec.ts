import { instanceType, InstanceType } from './instance-types';
import { FieldProblem, parseDurationHours, parseStartHour } from './time-blocks';
import type { Side } from './order-book.types';

/** An order as asked for, before the market checks it. */
export interface OrderAsk {
  side: Side;
  zone: string;
  instanceType: string;
  nodes: number;
  start: string;
  duration: string | number;
  /** Limit per GPU-hour in cents. */
  priceCents: number;
  ioc?: boolean;
  postOnly?: boolean;
}

export interface OrderSpec {
  side: Side;
  zone: string;
  type: InstanceType;
  nodes: number;
  startHour: number;
  endHour: number;
  priceCents: number;
  ioc: boolean;
  postOnly: boolean;
}

export const MAX_NODES = 1024;
/** $1,000 per GPU-hour: a typo guard, not a market rule. */
export const MAX_PRICE_CENTS = 100_000;
const ZONE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Every rule an order breaks, by field; an empty list means `spec` is set. */
export function checkOrder(
  ask: OrderAsk,
  nowMs: number,
): { spec: OrderSpec | null; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (!ZONE.test(ask.zone)) problems.push({ field: 'zone', problem: 'must be a zone name' });
  const type = instanceType(ask.instanceType);
  if (!type) problems.push({ field: 'instance_type', problem: 'is not a known instance type' });
  if (!Number.isInteger(ask.nodes) || ask.nodes < 1 || ask.nodes > MAX_NODES) {
    problems.push({ field: 'nodes', problem: `must be a whole number from 1 to ${MAX_NODES}` });
  }
  if (!Number.isInteger(ask.priceCents) || ask.priceCents < 0) {
    problems.push({ field: 'price', problem: 'must be a whole number of cents >= 0' });
  } else if (ask.priceCents > MAX_PRICE_CENTS) {
    problems.push({ field: 'price', problem: `must be at most ${MAX_PRICE_CENTS} cents` });
  }
  if (ask.ioc && ask.postOnly) {
    problems.push({ field: 'flags', problem: 'ioc and post_only exclude each other' });
  }
  const start = parseStartHour(ask.start, nowMs);
  if (!start.ok) problems.push(start.problem);
  const duration = parseDurationHours(ask.duration);
  if (!duration.ok) problems.push(duration.problem);
  if (problems.length > 0 || !start.ok || !duration.ok || !type) return { spec: null, problems };
  return {
    spec: {
      side: ask.side,
      zone: ask.zone,
      type,
      nodes: ask.nodes,
      startHour: start.value,
      endHour: start.value + duration.value,
      priceCents: ask.priceCents,
      ioc: ask.ioc ?? false,
      postOnly: ask.postOnly ?? false,
    },
    problems,
  };
}
