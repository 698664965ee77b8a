import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  Clock,
  ConfigError,
  MetricsRegistry,
  NANOPOD_CONFIG,
  NanopodConfig,
} from '@nanopod/common';
import { randomUUID } from 'node:crypto';
import { Histogram } from 'prom-client';
import { DecisionLogRepository } from '../repositories/decision-log.repository';
import { ActivePolicyService } from '../runtime/active-policy.service';
import { loadOpaWasmBundle } from '../runtime/opa-wasm-bundle';
import { PolicyEvaluator } from '../runtime/policy-evaluator';
import { PolicyInputRegistry } from './policy-input.registry';
import { SubsidyDecider } from './subsidy-decider';
import { evaluateSubsidy, redactSecrets } from './subsidy-evaluation';
import { DecidedSubsidy, PolicySubject, SubsidyRequest } from './subsidy.types';

/** The policy input for a subject and request: the registered parts, then subject and request. */
export function buildSubsidyInput(
  subject: PolicySubject,
  request: SubsidyRequest,
  parts: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...parts,
    subject: { user_id: subject.userId, github_login: subject.githubLogin, roles: subject.roles },
    request,
  };
}

/**
 * SubsidyDecider on the in-process engine: gathers the input, evaluates the active subsidy
 * policy (or the OPA bundle of NANOPOD_POLICY_BUNDLE when set), logs the decision. Fails closed
 * on any evaluation error.
 */
@Injectable()
export class PolicySubsidyDecider extends SubsidyDecider implements OnModuleInit {
  private readonly logger = new Logger(PolicySubsidyDecider.name);
  private readonly latency: Histogram<'outcome'>;
  private bundle: PolicyEvaluator | null = null;

  constructor(
    private readonly registry: PolicyInputRegistry,
    private readonly active: ActivePolicyService,
    private readonly log: DecisionLogRepository,
    private readonly clock: Clock,
    metrics: MetricsRegistry,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {
    super();
    this.latency = new Histogram({
      name: 'nanopod_policy_decision_duration_seconds',
      help: 'Time to evaluate data.nanopod.subsidy.decision, by outcome (allow, deny, error)',
      labelNames: ['outcome'] as const,
      buckets: [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25],
      registers: [metrics.registry],
    });
  }

  /** A bad NANOPOD_POLICY_BUNDLE refuses the start, with one line naming the variable. */
  async onModuleInit(): Promise<void> {
    const file = this.config.policyBundle;
    if (!file) return;
    try {
      this.bundle = await loadOpaWasmBundle(file);
    } catch (err) {
      // A ConfigError: main prints it as one `configuration error` line and exits 78.
      throw new ConfigError([`NANOPOD_POLICY_BUNDLE: ${(err as Error).message}`]);
    }
    this.logger.log({ bundle: file }, 'subsidy decisions evaluate the OPA bundle');
  }

  async decide(subject: PolicySubject, request: SubsidyRequest): Promise<DecidedSubsidy> {
    const input = buildSubsidyInput(subject, request, await this.registry.gather(subject));
    const set = this.bundle ? null : this.active.current();
    const version = set?.versions.subsidy ?? null;
    const { decision, error, latencyUs } = evaluateSubsidy(
      this.bundle ?? set?.compiled ?? null,
      input,
    );
    const id = randomUUID();
    const outcome = error ? 'error' : decision.allow ? 'allow' : 'deny';
    this.latency.observe({ outcome }, latencyUs / 1e6);
    if (error) {
      // The code and the version say what broke; the input is in the decision log, redacted.
      this.logger.error(
        {
          decisionId: id,
          policyVersion: version,
          code: error.code,
          err: error.message,
          bundle: this.bundle ? this.config.policyBundle : undefined,
          userId: subject.userId,
        },
        'subsidy policy failed; denying (fail closed)',
      );
    }
    try {
      await this.log.append({
        id,
        policyName: 'subsidy',
        policyVersion: version,
        subjectUserId: subject.userId,
        input: redactSecrets(input) as Record<string, unknown>,
        // A bundle decision is marked in the result (jsonb); no column for it.
        result: this.bundle ? { ...decision, source: 'bundle' } : { ...decision },
        allow: decision.allow,
        error: error?.code ?? null,
        latencyUs,
        createdAt: this.clock.now(),
      });
    } catch (err) {
      // The decision stands; a lost log row must not fail the caller's request.
      this.logger.warn({ decisionId: id, err: (err as Error).message }, 'decision not logged');
    }
    return { ...decision, decision_id: id, policy_version: version };
  }
}
