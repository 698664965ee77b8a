import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
} from '@nestjs/common';
import {
  Clock,
  LeaderLock,
  NANOPOD_CONFIG,
  NanopodConfig,
  PlatformLifecycle,
  Reconciler,
} from '@nanopod/common';
import { nextTarget, planReplicas } from '../core/autoscaler';
import {
  isReplicaAlive,
  isReplicaFailed,
  isReplicaTerminal,
  serviceStatusOf,
} from '../core/states';
import { ReplicaEntity } from '../entities/replica.entity';
import { ServiceEntity } from '../entities/service.entity';
import { ServicesRepository } from '../repositories/services.repository';
import { LoadBalancer } from './load-balancer.service';
import { ReplicaManager } from './replica-manager.service';
import { ServingSubsidy } from './serving-subsidy.service';

/** SkyServe's controller decides every 20 s; probes want a shorter beat. */
const TICK_MS = 1000;
/** A failed replica keeps the service FAILED (with none alive) this long. */
const FAILURE_MEMORY_MS = 10 * 60_000;
/** Replicas of one version failing in a row (none READY between) before launches stop. */
const MAX_FAILED_LAUNCHES = 3;
/** ...counted over this long: then it tries again (a node may have come back, room freed). */
const RELAUNCH_AFTER_MS = 60_000;

/**
 * The service controller, one leader at a time: probes replicas, asks the autoscaler for a
 * target, launches and retires replicas (spot and on-demand fallbacks, rolling updates),
 * publishes READY endpoints to the load balancer, meters replica seconds, derives the service
 * status. In `NANOPOD_ENV=test` it does not tick by itself: tests call `runOnce`.
 */
@Injectable()
export class ServingReconciler
  implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger = new Logger(ServingReconciler.name);
  private readonly loop: Reconciler;

  constructor(
    private readonly repo: ServicesRepository,
    private readonly replicas: ReplicaManager,
    private readonly lb: LoadBalancer,
    private readonly clock: Clock,
    private readonly lifecycle: PlatformLifecycle,
    private readonly subsidy: ServingSubsidy,
    leader: LeaderLock,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {
    this.loop = new Reconciler(
      {
        name: 'serving.controller',
        intervalMs: TICK_MS,
        leader,
        clock,
        failureMessage: 'serving controller pass failed',
        failureLevel: 'error',
      },
      () => (this.lifecycle.stopping ? Promise.resolve() : this.reconcile()),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.env !== 'test') this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** A pass soon (a new service, a request waiting on a service at zero), outside the beat. */
  kick(): void {
    void this.loop.runNow();
  }

  /** One pass now; resolves when it (not the launches it started) has ended. */
  async runOnce(): Promise<void> {
    await this.loop.runNow();
  }

  /** Waits for the launches and stops earlier passes started (tests). */
  settle(): Promise<void> {
    return this.replicas.settle();
  }

  async reconcile(): Promise<void> {
    const services = await this.repo.listLive(null);
    const all = await this.repo.replicasOf(services.map((s) => s.id));
    for (const svc of services) {
      try {
        await this.reconcileService(
          svc,
          all.filter((r) => r.serviceId === svc.id),
        );
      } catch (err) {
        this.logger.error(
          { service: svc.name, err: (err as Error).message },
          'service pass failed',
        );
      }
    }
  }

  private async reconcileService(svc: ServiceEntity, replicas: ReplicaEntity[]): Promise<void> {
    const now = this.clock.now();
    if (svc.status === 'SHUTTING_DOWN') {
      this.lb.setReady(svc.name, []);
      const live = replicas.filter((r) => !isReplicaTerminal(r.status));
      for (const r of live) {
        if (r.status !== 'SHUTTING_DOWN') this.replicas.shutdown(svc, r.replicaId, 'service down');
      }
      if (!live.length) {
        await this.repo.update(svc.id, { status: 'SHUTDOWN', updatedAt: now });
        this.lb.forget(svc.name);
      }
      return;
    }
    await this.replicas.probeAll(svc, replicas);
    let current = await this.repo.replicasOf([svc.id]);

    const policy = svc.spec.service.replica_policy;
    let scaler = nextTarget(policy, svc.scaler, {
      qps: this.lb.qps(svc.name),
      waiting: this.lb.waiting(svc.name),
      now,
    });
    // Every scale-up is the subsidy policy's to allow (kind deployment, at the new count).
    let subsidyChanged = false;
    if (scaler.target > svc.scaler.target) {
      const decided = await this.subsidy.forScaleUp(svc, scaler.target);
      if (decided) {
        svc.subsidy = decided;
        subsidyChanged = true;
      } else {
        scaler = { ...scaler, target: svc.scaler.target };
      }
    }
    const plan = planReplicas(
      policy,
      svc.spec.resources.use_spot,
      scaler.target,
      svc.version,
      current.map((r) => ({
        id: r.replicaId,
        status: r.status,
        pricing: r.pricing,
        version: r.version,
      })),
    );
    // SkyServe stops relaunching a version whose replicas keep failing before any serves.
    const lastReady = Math.max(
      0,
      ...current.filter((r) => r.version === svc.version && r.readyAt).map((r) => r.replicaId),
    );
    const failedSince = current.filter(
      (r) =>
        r.version === svc.version &&
        r.replicaId > lastReady &&
        isReplicaFailed(r.status) &&
        now.getTime() - (r.endedAt ?? now).getTime() < RELAUNCH_AFTER_MS,
    ).length;
    if (failedSince < MAX_FAILED_LAUNCHES) {
      await this.replicas.launch(
        svc,
        plan.launch.map((l) => l.pricing),
      );
    }
    for (const id of plan.shutdown) this.replicas.shutdown(svc, id, 'scale down');

    // Rolling update: older versions go once the current one has the target READY.
    const readyNow = current.filter((r) => r.version === svc.version && r.status === 'READY');
    if (readyNow.length >= scaler.target) {
      for (const r of current) {
        if (r.version < svc.version && isReplicaAlive(r.status)) {
          this.replicas.shutdown(svc, r.replicaId, `replaced by version ${svc.version}`);
        }
      }
    }

    current = await this.repo.replicasOf([svc.id]);
    await this.replicas.meter(svc, current);
    this.lb.setRouting(svc.name, {
      serviceId: svc.id,
      policy: svc.spec.service.load_balancing_policy,
    });
    this.lb.setReady(
      svc.name,
      current
        .filter((r) => r.status === 'READY' && r.host && r.hostPort)
        .map((r) => ({ replicaId: r.replicaId, host: r.host!, port: r.hostPort! })),
    );
    const recent = current.filter(
      (r) =>
        isReplicaAlive(r.status) ||
        (isReplicaFailed(r.status) &&
          r.version === svc.version &&
          now.getTime() - (r.endedAt ?? now).getTime() < FAILURE_MEMORY_MS),
    );
    const status = serviceStatusOf(recent);
    const scalerChanged = JSON.stringify(scaler) !== JSON.stringify(svc.scaler);
    if (status !== svc.status || scalerChanged || subsidyChanged) {
      await this.repo.updateUnlessDown(svc.id, {
        status,
        scaler,
        ...(subsidyChanged ? { subsidy: svc.subsidy } : {}),
        updatedAt: now,
      });
      if (status !== svc.status) {
        this.logger.log({ service: svc.name, status, target: scaler.target }, 'service status');
      }
    }
  }
}
