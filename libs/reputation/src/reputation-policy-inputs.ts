import { Injectable, Logger } from '@nestjs/common';
import { GrantsService } from './grants/grants.service';
import { ReputationService } from './score/reputation.service';
import { Reputation, ReputationPart } from './score/scoring';

/** The shape policies/subsidy.rego reads under `input.reputation`. */
export function reputationInput(rep: Reputation | null): Record<string, unknown> {
  if (!rep) return { status: 'unknown', reason: 'not_computed' };
  const parts = Object.fromEntries(rep.parts.map((p) => [p.source, partInput(p)]));
  const passport = rep.parts.find((p) => p.source === 'passport');
  const base = {
    status: rep.status,
    computed_at: rep.computed_at,
    parts,
    passport: passportInput(passport),
  };
  return rep.score === null ? base : { ...base, score: rep.score };
}

function partInput(p: ReputationPart): Record<string, unknown> {
  return {
    status: p.status,
    value: p.value,
    max: p.max,
    ...(p.reason ? { reason: p.reason } : {}),
    fetched_at: p.fetched_at,
  };
}

/** `{score, passing, threshold}`; without a passing boolean the policy treats it as unknown. */
function passportInput(p: ReputationPart | undefined): Record<string, unknown> {
  if (!p || p.status === 'unknown')
    return { status: 'unknown', ...(p?.reason ? { reason: p.reason } : {}) };
  if (p.status === 'not_linked') return { status: 'not_linked', passing: false };
  const d = p.details as {
    score?: number;
    passing?: boolean;
    threshold?: number;
    dedup_stamps?: number;
  };
  return {
    status: 'ok',
    score: d.score,
    passing: d.passing === true,
    threshold: d.threshold,
    dedup_stamps: d.dedup_stamps ?? 0,
  };
}

/**
 * The `reputation` (the stored score; never an external call while a decision waits) and
 * `grants` (the user's active grants now) parts of every subsidy decision's input. Policy sits
 * in the same layer, so the platform app registers these with its PolicyInputRegistry.
 */
@Injectable()
export class ReputationPolicyInputs {
  private readonly logger = new Logger(ReputationPolicyInputs.name);

  constructor(
    private readonly reputation: ReputationService,
    private readonly grants: GrantsService,
  ) {}

  async reputationPart(userId: string): Promise<Record<string, unknown>> {
    const rep = await this.reputation.current(userId);
    if (!rep) {
      // First decision for this user: unknown now; compute in the background and keep it fresh.
      await this.reputation.enroll(userId);
      this.reputation
        .compute(userId)
        .catch((err: unknown) =>
          this.logger.warn({ userId, err: (err as Error).message }, 'first reputation failed'),
        );
    }
    return reputationInput(rep);
  }

  async grantsPart(userId: string): Promise<Array<Record<string, unknown>>> {
    const active = await this.grants.activeFor(userId);
    return active.map((g) => ({
      id: g.id,
      program_id: g.programId,
      program: g.programName,
      status: 'active',
      monthly_gpu_hours: g.monthlyGpuHours,
      rate_multiplier: g.rateMultiplier,
      ends_at: g.endsAt.toISOString(),
    }));
  }
}
