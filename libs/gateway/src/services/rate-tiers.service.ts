import { Injectable, Logger } from '@nestjs/common';
import { ActivePolicyService } from '@nanopod/policy';
import { RateTier, isValidTierName } from '../core/rate-tiers';

export const GATEWAY_TABLE_REF = 'data.nanopod.gateway.requests_per_minute';
export const GATEWAY_RATE_LIMIT_REF = 'data.nanopod.gateway.rate_limit';
/** Used while gateway.rego is missing or broken: the most restrictive tier, for everyone. */
const FAIL_CLOSED: RateTier = { tier: 'anonymous', requestsPerMinute: 30 };
const EVAL_LIMITS = { maxSteps: 100_000, timeoutMs: 50 };

/** What gateway.rego reads about a caller (`input.caller`). */
export interface GatewayCaller {
  authenticated: boolean;
  via?: 'api_key' | 'session' | 'jwt';
  roles: string[];
  scopes: string[];
  subsidy_tier?: string;
}

/**
 * The rate-limit tiers of `policies/gateway.rego` (the active version). The caller's input is a
 * handful of enumerable facts (credential kind, roles, scopes), so each distinct caller class is
 * evaluated once per active policy set and remembered: the forward-auth path costs a map lookup,
 * yet an activation of a new gateway.rego applies to the next request. The table of all tiers is
 * what the reconciler compiles into APISIX's limit-count rules.
 */
@Injectable()
export class RateTiersService {
  private readonly logger = new Logger(RateTiersService.name);
  private cacheKey = '';
  private readonly byCaller = new Map<string, RateTier>();
  private table: RateTier[] = [FAIL_CLOSED];

  constructor(private readonly policies: ActivePolicyService) {}

  /** Every tier with its limit, sorted by name (the anonymous tier always present). */
  tiers(): RateTier[] {
    this.refresh();
    return this.table;
  }

  anonymousTier(): string {
    return FAIL_CLOSED.tier;
  }

  /** The tier gateway.rego gives this caller; the anonymous tier when it cannot decide. */
  tierOf(caller: GatewayCaller): RateTier {
    this.refresh();
    const key = `${caller.via ?? '-'}|${[...caller.roles].sort().join(',')}|${[...caller.scopes].sort().join(',')}|${caller.subsidy_tier ?? '-'}|${caller.authenticated}`;
    let hit = this.byCaller.get(key);
    if (!hit) {
      hit = this.evaluate(caller);
      this.byCaller.set(key, hit);
    }
    return hit;
  }

  private refresh(): void {
    const set = this.policies.current();
    const key = set ? JSON.stringify(set.versions) : '';
    if (key === this.cacheKey) return;
    this.cacheKey = key;
    this.byCaller.clear();
    this.table = this.loadTable();
  }

  private loadTable(): RateTier[] {
    const set = this.policies.current();
    try {
      const raw = set?.compiled.evaluate(GATEWAY_TABLE_REF, { limits: EVAL_LIMITS });
      if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
        const tiers = Object.entries(raw as Record<string, unknown>)
          .filter(([tier, n]) => isValidTierName(tier) && Number.isInteger(n) && (n as number) > 0)
          .map(([tier, n]) => ({ tier, requestsPerMinute: n as number }))
          .sort((a, b) => a.tier.localeCompare(b.tier));
        if (!tiers.some((t) => t.tier === FAIL_CLOSED.tier)) tiers.unshift(FAIL_CLOSED);
        return tiers;
      }
      this.logger.warn({ ref: GATEWAY_TABLE_REF }, 'gateway tiers undefined: failing closed');
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'gateway tiers failed: failing closed');
    }
    return [FAIL_CLOSED];
  }

  private evaluate(caller: GatewayCaller): RateTier {
    const set = this.policies.current();
    try {
      const raw = set?.compiled.evaluate(GATEWAY_RATE_LIMIT_REF, {
        input: { caller },
        limits: EVAL_LIMITS,
      }) as { tier?: unknown; requests_per_minute?: unknown } | undefined;
      const known = this.table.find((t) => t.tier === raw?.tier);
      if (known && raw?.requests_per_minute === known.requestsPerMinute) return known;
      this.logger.warn({ tier: raw?.tier }, 'gateway rate_limit not in the tier table');
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'gateway rate_limit failed');
    }
    return this.table.find((t) => t.tier === FAIL_CLOSED.tier) ?? FAIL_CLOSED;
  }
}
