import { MICRO_PER_CREDIT } from '../ledger/ledger.types';
import type { UsageMetric, UsageRecordInput } from './usage-recorder';

export const USAGE_METRICS: readonly UsageMetric[] = [
  'sandbox_seconds',
  'gpu_seconds',
  'deployment_node_seconds',
  'egress_bytes',
  'api_requests',
];

/** The property each billable metric aggregates in Lago (deploy/lago/billable-metrics.json). */
export const LAGO_FIELD: Record<UsageMetric, string> = {
  sandbox_seconds: 'seconds',
  gpu_seconds: 'seconds',
  deployment_node_seconds: 'seconds',
  egress_bytes: 'bytes',
  api_requests: 'requests',
};

/** The platform's fee on work that ran on a partner's node; the partner earns the rest. */
export const PLATFORM_FEE_RATE = 0.1;

export type PlanCode = 'spot' | 'on_demand' | 'subsidized';

/** Which Lago plan a subsidy decision bills under (deploy/lago/plans.json). */
export function planCodeFor(tier: string, rateMultiplier: number, pricing?: unknown): PlanCode {
  if (pricing === 'spot' || tier === 'spot') return 'spot';
  return rateMultiplier < 1 ? 'subsidized' : 'on_demand';
}

export const subscriptionIdFor = (userId: string, plan: PlanCode): string =>
  `nanopod-${userId}-${plan}`;

export interface PricedUsage {
  unitPriceCredits: number;
  listMicro: number;
  paidMicro: number;
  subsidyMicro: number;
  partnerMicro: number;
  platformMicro: number;
}

/**
 * Splits the list price of a usage record: the user pays rate x list, the subsidy pool pays the
 * rest, and the list price goes to the partner whose node ran it (minus the platform fee) or
 * to the platform. Integer micro-credits, so the split always sums to the list price.
 */
export function priceUsage(r: UsageRecordInput, unitPriceCredits: number): PricedUsage {
  const listMicro = Math.round(r.quantity * unitPriceCredits * MICRO_PER_CREDIT);
  const rate = Math.max(0, r.subsidy.rate_multiplier);
  const paidMicro = Math.round(listMicro * rate);
  const partnerId = r.properties?.partner_id;
  const feeMicro = partnerId ? Math.round(listMicro * PLATFORM_FEE_RATE) : listMicro;
  return {
    unitPriceCredits,
    listMicro,
    paidMicro,
    subsidyMicro: listMicro - paidMicro,
    partnerMicro: listMicro - feeMicro,
    platformMicro: feeMicro,
  };
}
