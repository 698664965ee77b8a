import { Injectable, Logger } from '@nestjs/common';
import { Clock, PolicyDeniedError } from '@nanopod/common';
import { UsersService } from '@nanopod/identity';
import { PolicySubject, SubsidyDecider } from '@nanopod/policy';
import type { ServiceSpec } from '../core/service-spec';
import type { ServiceEntity, ServiceSubsidy } from '../entities/service.entity';
import { ServingErrorCodes } from '../serving.errors';

/** After a denied scale-up, the same service is not asked about again for this long. */
const DENIED_RETRY_MS = 60_000;

/**
 * The subsidy policy's word on a service (`request.kind = "deployment"`): at `serve up` and
 * `serve update` for its largest size (max_replicas), and again at every scale-up for the new
 * replica count, so a balance that ran out or a grant that ended stops growth, not the service.
 */
@Injectable()
export class ServingSubsidy {
  private readonly logger = new Logger(ServingSubsidy.name);
  /** Service id -> until when a denied scale-up is not asked again. */
  private readonly deniedUntil = new Map<string, number>();

  constructor(
    private readonly decider: SubsidyDecider,
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  /** For `serve up` / `update`: the largest size; a deny is a 403 with its reasons. */
  async forSpec(subject: PolicySubject, spec: ServiceSpec): Promise<ServiceSubsidy> {
    const d = await this.decide(subject, spec, spec.service.replica_policy.max_replicas);
    if (!d.allow) {
      throw new PolicyDeniedError(
        ServingErrorCodes.policyDenied,
        'The subsidy policy denied this service',
        { reasons: d.reasons, tier: d.tier, decision_id: d.decision_id },
      );
    }
    return subsidyOf(d, spec.service.replica_policy.max_replicas);
  }

  /**
   * For the autoscaler going up to `target` replicas: the new decision, or null when the
   * policy says no (the target then stays where it was; asked again after a minute).
   */
  async forScaleUp(svc: ServiceEntity, target: number): Promise<ServiceSubsidy | null> {
    const now = this.clock.nowMs();
    if ((this.deniedUntil.get(svc.id) ?? 0) > now) return null;
    const user = await this.users.get(svc.ownerId);
    const d = await this.decide(
      { userId: user.id, githubLogin: user.githubLogin, roles: user.roles },
      svc.spec,
      target,
    );
    if (!d.allow) {
      this.deniedUntil.set(svc.id, now + DENIED_RETRY_MS);
      this.logger.warn(
        { service: svc.name, target, reasons: d.reasons, decision_id: d.decision_id },
        'scale-up denied by the subsidy policy',
      );
      return null;
    }
    this.deniedUntil.delete(svc.id);
    return subsidyOf(d, target);
  }

  private decide(subject: PolicySubject, spec: ServiceSpec, replicas: number) {
    const gpus = spec.resources.accelerators?.count ?? 0;
    return this.decider.decide(subject, {
      kind: 'deployment',
      workload_class: 'latency_tolerant',
      gpus: gpus * replicas,
      gpu_type: spec.resources.accelerators?.type ?? null,
      cpu: spec.resources.cpus * replicas,
      memory_mb: spec.resources.memory_mb * replicas,
      // An hour of that size: the policy's per-request cap, not a forecast.
      estimated_gpu_hours: gpus * replicas,
      node_kind: 'federated',
    });
  }
}

function subsidyOf(
  d: Awaited<ReturnType<SubsidyDecider['decide']>>,
  replicas: number,
): ServiceSubsidy {
  return {
    tier: d.tier,
    rate_multiplier: d.rate_multiplier,
    max_gpu_hours: d.max_gpu_hours,
    decision_id: d.decision_id,
    policy_version: d.policy_version,
    replicas,
  };
}
