import { Injectable, Logger } from '@nestjs/common';
import { Clock, UnprocessableError } from '@nanopod/common';
import { isAdmin, Principal } from '@nanopod/identity';
import { randomUUID } from 'node:crypto';
import { parseServiceSpec } from '../core/service-spec';
import { ReplicaEntity } from '../entities/replica.entity';
import { ServiceEntity } from '../entities/service.entity';
import { ServicesRepository } from '../repositories/services.repository';
import {
  ReplicaNotFoundError,
  ServiceNameTakenError,
  ServiceNotFoundError,
  ServiceShuttingDownError,
  ServingAdminRequiredError,
  ServingErrorCodes,
} from '../serving.errors';
import { ReplicaManager } from './replica-manager.service';
import { LoadBalancer } from './load-balancer.service';
import { ServingReconciler } from './serving.reconciler';
import { ServingSubsidy } from './serving-subsidy.service';

/** A live service as a gateway publishes it. */
export interface PublishedService {
  id: string;
  name: string;
  readinessPath: string;
  nodes: Array<{ host: string; port: number }>;
}

export interface ServiceView {
  service: ServiceEntity;
  replicas: ReplicaEntity[];
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** The service use cases: up, status, update (rolling), down, logs, and a spot interruption. */
@Injectable()
export class ServingService {
  private readonly logger = new Logger(ServingService.name);

  constructor(
    private readonly repo: ServicesRepository,
    private readonly subsidy: ServingSubsidy,
    private readonly replicas: ReplicaManager,
    private readonly reconciler: ServingReconciler,
    private readonly clock: Clock,
    private readonly lb: LoadBalancer,
  ) {}

  /** `serve up`: the spec is checked (422 with every field), the policy asked, then it starts. */
  async up(principal: Principal, name: string, specYaml: string): Promise<ServiceView> {
    if (!NAME.test(name)) {
      throw new UnprocessableError(ServingErrorCodes.invalidSpec, 'Bad service name', {
        fields: [{ field: 'name', problems: ['must be lower case letters, digits and -'] }],
      });
    }
    const spec = parseServiceSpec(specYaml);
    const subsidy = await this.subsidy.forSpec(subjectOf(principal), spec);
    const now = this.clock.now();
    const policy = spec.service.replica_policy;
    const svc = Object.assign(new ServiceEntity(), {
      id: randomUUID(),
      ownerId: principal.userId,
      name,
      status: 'CONTROLLER_INIT',
      version: 1,
      spec,
      specYaml,
      scaler: { target: policy.min_replicas, upSince: null, downSince: null },
      nextReplicaId: 1,
      subsidy,
      lastColdStartMs: null,
      createdAt: now,
      updatedAt: now,
      downAt: null,
    } satisfies ServiceEntity);
    if (!(await this.repo.insert(svc))) throw new ServiceNameTakenError(name);
    this.logger.log({ service: name, ownerId: principal.userId }, 'service up');
    this.reconciler.kick();
    return { service: svc, replicas: [] };
  }

  /** `serve update`: a new version of the spec, rolled out replica by replica. */
  async update(principal: Principal, name: string, specYaml: string): Promise<ServiceView> {
    const svc = await this.owned(principal, name);
    if (svc.status === 'SHUTTING_DOWN') throw new ServiceShuttingDownError(name);
    const spec = parseServiceSpec(specYaml);
    const subsidy = await this.subsidy.forSpec(subjectOf(principal), spec);
    const policy = spec.service.replica_policy;
    const target = Math.min(policy.max_replicas, Math.max(policy.min_replicas, svc.scaler.target));
    const patch = {
      spec,
      specYaml,
      subsidy,
      version: svc.version + 1,
      scaler: { target, upSince: null, downSince: null },
      updatedAt: this.clock.now(),
    };
    await this.repo.update(svc.id, patch);
    this.reconciler.kick();
    return this.view({ ...svc, ...patch });
  }

  async down(principal: Principal, name: string): Promise<ServiceView> {
    const svc = await this.owned(principal, name);
    if (svc.status !== 'SHUTTING_DOWN') {
      const now = this.clock.now();
      await this.repo.update(svc.id, { status: 'SHUTTING_DOWN', downAt: now, updatedAt: now });
      svc.status = 'SHUTTING_DOWN';
    }
    this.reconciler.kick();
    return this.view(svc);
  }

  async get(principal: Principal, name: string): Promise<ServiceView> {
    return this.view(await this.owned(principal, name));
  }

  async list(principal: Principal, all = false): Promise<ServiceView[]> {
    const services = await this.repo.listLive(all && isAdmin(principal) ? null : principal.userId);
    const replicas = await this.repo.replicasOf(services.map((s) => s.id));
    return services.map((service) => ({
      service,
      replicas: replicas.filter((r) => r.serviceId === service.id),
    }));
  }

  /**
   * Every live service with its READY replicas, as a gateway in front publishes them (APISIX
   * upstreams with an active health check on the readiness path).
   */
  async published(): Promise<PublishedService[]> {
    const services = await this.repo.listLive(null);
    return services.map((s) => ({
      id: s.id,
      name: s.name,
      readinessPath: s.spec.service.readiness_probe.path,
      nodes: this.lb.readyOf(s.name).map((e) => ({ host: e.host, port: e.port })),
    }));
  }

  async logs(principal: Principal, name: string, replicaId?: number): Promise<string> {
    const { service, replicas } = await this.get(principal, name);
    const chosen =
      replicaId === undefined
        ? replicas.filter((r) => r.sandboxId)
        : replicas.filter((r) => r.replicaId === replicaId);
    if (replicaId !== undefined && !chosen.length) {
      throw new ReplicaNotFoundError(service.name, replicaId);
    }
    return chosen
      .map(
        (r) =>
          `==> replica ${r.replicaId} (${r.status}) <==\n${this.replicas.logs(r.sandboxId ?? '')}`,
      )
      .join('\n');
  }

  /**
   * A spot interruption of one replica (admin): what the market does when the spot price
   * passes the limit, here on demand so operators (and the seed's walkthrough) can run it.
   */
  async preempt(principal: Principal, name: string, replicaId: number): Promise<ServiceView> {
    if (!isAdmin(principal)) throw new ServingAdminRequiredError();
    const svc = await this.repo.liveByName(name);
    if (!svc) throw new ServiceNotFoundError(name);
    const r = await this.repo.replica(svc.id, replicaId);
    if (!r) throw new ReplicaNotFoundError(name, replicaId);
    await this.replicas.preempt(svc, replicaId, 'spot interruption');
    this.reconciler.kick();
    return this.view(svc);
  }

  private async view(svc: ServiceEntity): Promise<ServiceView> {
    const fresh = (await this.repo.byId(svc.id)) ?? svc;
    return { service: fresh, replicas: await this.repo.replicasOf([svc.id]) };
  }

  /** The caller's live service (admins: anyone's); another user's is a 404. */
  private async owned(principal: Principal, name: string): Promise<ServiceEntity> {
    const svc = NAME.test(name) ? await this.repo.liveByName(name) : null;
    if (!svc || (svc.ownerId !== principal.userId && !isAdmin(principal))) {
      throw new ServiceNotFoundError(name);
    }
    return svc;
  }
}

function subjectOf(p: Principal) {
  return { userId: p.userId, githubLogin: p.githubLogin, roles: p.roles };
}
