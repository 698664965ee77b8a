import { Injectable } from '@nestjs/common';
import { RegoCompileError, TestResult } from '@nanopod/rego';
import { PolicyVersionEntity } from '../entities/policy-version.entity';
import {
  PolicyInvalidError,
  PolicyNotFoundError,
  PolicyProblem,
  PolicyVersionNotFoundError,
} from '../policy.errors';
import { evaluateSubsidy, EvaluatedDecision } from '../decisions/subsidy-evaluation';
import { SubsidyDecision } from '../decisions/subsidy.types';
import { DecisionLogRepository } from '../repositories/decision-log.repository';
import { PolicyRepository } from '../repositories/policy.repository';
import { ActivePolicyService } from '../runtime/active-policy.service';
import { testsPath, toProblem } from '../runtime/policy-compiler';
import { problemsOf } from './policy-validation';

/** Generous bounds for an admin's test run; decisions use the tight DECISION_LIMITS. */
const TEST_LIMITS = { maxSteps: 10_000_000, timeoutMs: 5_000 };

export interface DryRunEntry {
  decisionId: string;
  createdAt: Date;
  /** Whom the decision was about, from its input. */
  subject: { userId: string | null; githubLogin: string | null };
  before: SubsidyDecision;
  after: SubsidyDecision;
  afterError: string | null;
  /** allow changed. */
  flipped: boolean;
}

export interface DryRunReport {
  evaluated: number;
  flips: number;
  changed: number;
  /** Every decision whose outcome differs (allow, tier, rate, hours or reasons), newest first. */
  entries: DryRunEntry[];
}

function subjectOf(input: Record<string, unknown>): DryRunEntry['subject'] {
  const subject = (input.subject ?? {}) as { user_id?: unknown; github_login?: unknown };
  return {
    userId: typeof subject.user_id === 'string' ? subject.user_id : null,
    githubLogin: typeof subject.github_login === 'string' ? subject.github_login : null,
  };
}

function sameDecision(a: SubsidyDecision, b: SubsidyDecision): boolean {
  return (
    a.allow === b.allow &&
    a.tier === b.tier &&
    a.rate_multiplier === b.rate_multiplier &&
    a.max_gpu_hours === b.max_gpu_hours &&
    JSON.stringify(a.reasons) === JSON.stringify(b.reasons)
  );
}

/** Trying policies without changing anything: validate, run tests, dry-run, decide. */
@Injectable()
export class PolicyLabService {
  constructor(
    private readonly policies: PolicyRepository,
    private readonly active: ActivePolicyService,
    private readonly decisions: DecisionLogRepository,
  ) {}

  /** Problems of a source (and tests) against the other active policies; [] when valid. */
  async validate(name: string, source: string, tests?: string | null): Promise<PolicyProblem[]> {
    const policy = await this.policies.findPolicy(name);
    if (!policy) throw new PolicyNotFoundError(name);
    let t = tests;
    if (t === undefined) {
      const active =
        policy.activeVersion === null
          ? null
          : await this.policies.findVersion(name, policy.activeVersion);
      t = active?.tests ?? null;
    }
    const context = await this.active.activeModulesExcept(name);
    return problemsOf({ name, package: policy.package, source, tests: t }, context);
  }

  /** Runs the version's test_ rules (its source and tests with the other active policies). */
  async test(name: string, version: number): Promise<TestResult[]> {
    const v = await this.versionOf(name, version);
    const extra =
      v.tests !== null && v.tests.trim() !== '' ? [{ path: testsPath(name), source: v.tests }] : [];
    const set = await this.compiled(v, extra);
    return set.compiled.runTests({ limits: TEST_LIMITS });
  }

  /**
   * Re-evaluates the inputs of the last `limit` logged subsidy decisions twice, today: with the
   * active policies and with this version in place. Which outcomes would change, and which flip
   * between allow and deny, and for whom. (Against the logged result, a change made by an
   * older version would show as this version's.)
   */
  async dryRun(name: string, version: number, limit: number): Promise<DryRunReport> {
    const v = await this.versionOf(name, version);
    const set = await this.compiled(v);
    const active = this.active.current();
    const logged = await this.decisions.latest('subsidy', limit);
    const entries: DryRunEntry[] = [];
    for (const row of logged) {
      const before = active
        ? evaluateSubsidy(active.compiled, row.input).decision
        : (row.result as unknown as SubsidyDecision);
      const { decision: after, error } = evaluateSubsidy(set.compiled, row.input);
      if (sameDecision(before, after)) continue;
      entries.push({
        decisionId: row.id,
        createdAt: row.createdAt,
        subject: subjectOf(row.input),
        before,
        after,
        afterError: error?.code ?? null,
        flipped: before.allow !== after.allow,
      });
    }
    return {
      evaluated: logged.length,
      flips: entries.filter((e) => e.flipped).length,
      changed: entries.length,
      entries,
    };
  }

  recentDecisions(limit: number) {
    return this.decisions.latest('subsidy', limit);
  }

  /** Evaluates the subsidy decision for a given input on the active set or with one version. */
  async decide(
    input: Record<string, unknown>,
    target?: { name: string; version: number },
  ): Promise<EvaluatedDecision & { versions: Record<string, number> }> {
    const set = target
      ? await this.compiled(await this.versionOf(target.name, target.version))
      : this.active.current();
    return { ...evaluateSubsidy(set?.compiled ?? null, input), versions: set?.versions ?? {} };
  }

  private async compiled(v: PolicyVersionEntity, extra: { path: string; source: string }[] = []) {
    try {
      return await this.active.withVersion(v, extra);
    } catch (err) {
      if (!(err instanceof RegoCompileError)) throw err;
      const problems = err.errors.map(toProblem);
      throw new PolicyInvalidError(
        `version ${v.version} of ${v.policyName} does not compile with the active policies`,
        problems,
      );
    }
  }

  private async versionOf(name: string, version: number): Promise<PolicyVersionEntity> {
    if (!(await this.policies.findPolicy(name))) throw new PolicyNotFoundError(name);
    const v = await this.policies.findVersion(name, version);
    if (!v) throw new PolicyVersionNotFoundError(name, version);
    return v;
  }
}
