import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '@nanopod/common';
import { UsageRecorder } from '@nanopod/billing';
import { request } from 'node:http';
import type { Pricing } from '../core/autoscaler';
import { canReplicaMove, isReplicaTerminal, ReplicaStatus } from '../core/states';
import { ReplicaEntity } from '../entities/replica.entity';
import { ServiceEntity } from '../entities/service.entity';
import { REPLICA_RUNTIME, ReplicaLaunch, ReplicaRuntime } from '../ports/replica-runtime';
import { ServicesRepository } from '../repositories/services.repository';
import { LoadBalancer } from './load-balancer.service';
import { replicaUsageBetween } from './replica-usage';
import { SpotMarket } from './spot-market.service';

/** A READY replica failing its probe this long (NOT_READY) is given up: FAILED_PROBING. */
const NOT_READY_GRACE_MS = 60_000;
const FAST_PROBE_MS = 25;
const FAST_PROBE_FOR_MS = 30_000;

/**
 * One replica's life: launch (PENDING → PROVISIONING → STARTING), readiness probes (READY,
 * NOT_READY, FAILED_*), shutdown, preemption, and its replica seconds. Every status change goes
 * through `move`, which checks the transition table and meters the time that ended.
 */
@Injectable()
export class ReplicaManager {
  private readonly logger = new Logger(ReplicaManager.name);
  /** Launches and stops in flight (tests and shutdown wait for them). */
  private readonly inFlight = new Set<Promise<unknown>>();
  /**
   * Per service with `disable_packing`, the tail of its provisions: one at a time, so each sees
   * the nodes the one before took.
   */
  private readonly spreading = new Map<string, Promise<unknown>>();

  constructor(
    private readonly repo: ServicesRepository,
    private readonly usage: UsageRecorder,
    private readonly clock: Clock,
    private readonly lb: LoadBalancer,
    private readonly spot: SpotMarket,
    @Inject(REPLICA_RUNTIME) private readonly runtime: ReplicaRuntime,
  ) {}

  /** Resolves when every launch and stop started so far has ended. */
  async settle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private track<T>(p: Promise<T>): void {
    const t = p.catch((err: Error) =>
      this.logger.error({ err: err.message }, 'replica task failed'),
    );
    this.inFlight.add(t);
    void t.finally(() => this.inFlight.delete(t));
  }

  /** Adds PENDING replicas with fresh ids and starts their launch. */
  async launch(svc: ServiceEntity, pricings: Pricing[]): Promise<number[]> {
    if (!pricings.length) return [];
    const ids = await this.repo.takeReplicaIds(svc.id, pricings.length);
    const now = this.clock.now();
    for (const [i, pricing] of pricings.entries()) {
      const r = Object.assign(new ReplicaEntity(), {
        serviceId: svc.id,
        replicaId: ids[i],
        version: svc.version,
        pricing,
        status: 'PENDING' as ReplicaStatus,
        statusReason: null,
        sandboxId: null,
        nodeId: null,
        host: null,
        hostPort: null,
        gpuType: svc.spec.resources.accelerators?.type ?? null,
        gpus: svc.spec.resources.accelerators?.count ?? 0,
        probe: svc.spec.service.readiness_probe,
        launchedAt: now,
        startedAt: null,
        readyAt: null,
        endedAt: null,
        meteredUntil: null,
        updatedAt: now,
      });
      await this.repo.insertReplica(r);
      this.logger.log({ service: svc.name, replicaId: r.replicaId, pricing }, 'replica launched');
      this.track(this.bringUp(svc, r));
    }
    return ids;
  }

  private async bringUp(svc: ServiceEntity, r: ReplicaEntity): Promise<void> {
    const l: ReplicaLaunch = {
      serviceId: svc.id,
      serviceName: svc.name,
      replicaId: r.replicaId,
      ownerId: svc.ownerId,
      spec: svc.spec,
      pricing: r.pricing,
      subsidy: svc.subsidy,
      avoidNodeIds: [],
      avoidZones: [],
    };
    if (!(await this.move(svc, r.replicaId, 'PROVISIONING', null))) return;
    let launched;
    try {
      const limit = svc.spec.resources.spot_max_price;
      const gpu = svc.spec.resources.accelerators?.type;
      if (r.pricing === 'spot' && limit != null && gpu) {
        l.avoidZones = await this.spot.zonesAbove(gpu, limit);
      }
      launched = await this.provision(svc, l);
    } catch (err) {
      await this.move(svc, r.replicaId, 'FAILED_PROVISION', (err as Error).message.slice(0, 200));
      return;
    }
    const started = await this.move(svc, r.replicaId, 'STARTING', null, {
      sandboxId: launched.sandboxId,
      nodeId: launched.nodeId,
      host: launched.host,
      hostPort: launched.hostPort,
      startedAt: this.clock.now(),
    });
    if (!started) {
      // Shut down while it was being provisioned: its sandbox goes now.
      await this.runtime.stop(svc.ownerId, launched.sandboxId);
      return;
    }
    try {
      await this.runtime.start(l, launched, (reason) => {
        this.track(this.exited(svc, r.replicaId, reason));
      });
    } catch (err) {
      await this.move(svc, r.replicaId, 'FAILED', (err as Error).message.slice(0, 200));
      await this.runtime.stop(svc.ownerId, launched.sandboxId);
      return;
    }
    await this.firstReady(svc, r.replicaId, launched.host, launched.hostPort);
  }

  /**
   * Provisions `l`; with `disable_packing`, after the service's earlier provisions and off the
   * nodes its live replicas hold.
   */
  private provision(svc: ServiceEntity, l: ReplicaLaunch) {
    if (!svc.spec.resources.disable_packing) return this.runtime.provision(l);
    const run = (this.spreading.get(svc.id) ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        const taken = (await this.repo.replicasOf([svc.id]))
          .filter((o) => o.replicaId !== l.replicaId && o.nodeId && !isReplicaTerminal(o.status))
          .map((o) => o.nodeId!);
        const launched = await this.runtime.provision({ ...l, avoidNodeIds: [...new Set(taken)] });
        // Seen by the next provision in line before this replica moves on to STARTING.
        await this.repo.updateReplica(svc.id, l.replicaId, ['PROVISIONING'], {
          nodeId: launched.nodeId,
        });
        return launched;
      });
    this.spreading.set(svc.id, run);
    void run
      .finally(() => {
        if (this.spreading.get(svc.id) === run) this.spreading.delete(svc.id);
      })
      .catch(() => undefined);
    return run;
  }

  /**
   * Probes a starting replica every FAST_PROBE_MS for a while, so it serves (and a request
   * held on a service at zero goes through) as soon as it answers rather than at the next
   * controller pass; after FAST_PROBE_FOR_MS the controller's own probes carry on.
   */
  private async firstReady(
    svc: ServiceEntity,
    replicaId: number,
    host: string,
    port: number,
  ): Promise<void> {
    const until = Date.now() + FAST_PROBE_FOR_MS;
    while (Date.now() < until) {
      const r = await this.repo.replica(svc.id, replicaId);
      if (!r || r.status !== 'STARTING') return;
      if (await probe(r)) {
        if (await this.move(svc, replicaId, 'READY', null, { readyAt: this.clock.now() })) {
          this.lb.addReady(svc.name, { replicaId, host, port });
        }
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, FAST_PROBE_MS));
    }
  }

  /** `run` ended by itself: the replica failed (a spot replica whose node went: preempted). */
  private async exited(svc: ServiceEntity, replicaId: number, reason: string): Promise<void> {
    const r = await this.repo.replica(svc.id, replicaId);
    if (!r || isReplicaTerminal(r.status) || r.status === 'SHUTTING_DOWN') return;
    const to: ReplicaStatus =
      r.pricing === 'spot' && /node|agent/.test(reason) ? 'PREEMPTED' : 'FAILED';
    if (await this.move(svc, replicaId, to, `run ended: ${reason}`.slice(0, 200))) {
      if (r.sandboxId) await this.runtime.stop(svc.ownerId, r.sandboxId);
    }
  }

  /** SHUTTING_DOWN now, SHUTDOWN once its sandbox is gone. */
  shutdown(svc: ServiceEntity, replicaId: number, reason: string): void {
    this.track(
      (async () => {
        if (!(await this.move(svc, replicaId, 'SHUTTING_DOWN', reason))) return;
        const r = await this.repo.replica(svc.id, replicaId);
        if (r?.sandboxId) await this.runtime.stop(svc.ownerId, r.sandboxId);
        await this.move(svc, replicaId, 'SHUTDOWN', reason);
      })(),
    );
  }

  /** A spot interruption: the replica is PREEMPTED and its sandbox taken away. */
  async preempt(svc: ServiceEntity, replicaId: number, reason: string): Promise<boolean> {
    const r = await this.repo.replica(svc.id, replicaId);
    if (!r || !(await this.move(svc, replicaId, 'PREEMPTED', reason))) return false;
    if (r.sandboxId) this.track(this.runtime.stop(svc.ownerId, r.sandboxId));
    return true;
  }

  /** One readiness probe of each replica past PROVISIONING; moves them by the answer. */
  async probeAll(svc: ServiceEntity, replicas: ReplicaEntity[]): Promise<void> {
    const now = this.clock.now().getTime();
    await Promise.all(
      replicas
        .filter((r) => ['STARTING', 'READY', 'NOT_READY', 'UNKNOWN'].includes(r.status))
        .map(async (r) => {
          const ok = await probe(r);
          if (ok) {
            if (r.status !== 'READY') {
              await this.move(svc, r.replicaId, 'READY', null, {
                readyAt: r.readyAt ?? this.clock.now(),
              });
            }
            return;
          }
          if (r.status === 'STARTING') {
            const since = now - (r.startedAt ?? r.launchedAt).getTime();
            if (since > r.probe.initial_delay_seconds * 1000) {
              await this.failAndStop(
                svc,
                r,
                'FAILED_INITIAL_DELAY',
                'not ready within the initial delay',
              );
            }
          } else if (r.status === 'READY') {
            await this.move(svc, r.replicaId, 'NOT_READY', 'readiness probe failed');
          } else if (now - r.updatedAt.getTime() > NOT_READY_GRACE_MS) {
            await this.failAndStop(svc, r, 'FAILED_PROBING', 'readiness probe kept failing');
          }
        }),
    );
  }

  private async failAndStop(
    svc: ServiceEntity,
    r: ReplicaEntity,
    to: ReplicaStatus,
    reason: string,
  ): Promise<void> {
    if ((await this.move(svc, r.replicaId, to, reason)) && r.sandboxId) {
      this.track(this.runtime.stop(svc.ownerId, r.sandboxId));
    }
  }

  /** Records replica seconds of running replicas up to now. */
  async meter(svc: ServiceEntity, replicas: ReplicaEntity[]): Promise<void> {
    for (const r of replicas) {
      if (!r.startedAt || r.endedAt) continue;
      await this.repo.transaction(async (tx) => {
        const cur = await tx.lock(svc.id, r.replicaId);
        if (!cur?.startedAt || cur.endedAt) return;
        const now = this.clock.now();
        const from = cur.meteredUntil ?? cur.startedAt;
        if (now.getTime() <= from.getTime()) return;
        await this.usage.record(tx.manager, replicaUsageBetween(svc, cur, from, now));
        await tx.update(svc.id, r.replicaId, { meteredUntil: now });
      });
    }
  }

  logs(sandboxId: string): string {
    return this.runtime.logs(sandboxId);
  }

  /**
   * Moves a replica along the table; false when it is no longer in a state that may move to
   * `to`. Leaving a running state (to a terminal one) meters its last seconds in the same
   * transaction.
   */
  async move(
    svc: ServiceEntity,
    replicaId: number,
    to: ReplicaStatus,
    reason: string | null,
    patch: Partial<ReplicaEntity> = {},
  ): Promise<boolean> {
    const moved = await this.repo.transaction(async (tx) => {
      const r = await tx.lock(svc.id, replicaId);
      if (!r || r.status === to || !canReplicaMove(r.status, to)) return false;
      const now = this.clock.now();
      const full: Partial<ReplicaEntity> = {
        status: to,
        statusReason: reason,
        updatedAt: now,
        ...patch,
      };
      if (isReplicaTerminal(to) && !r.endedAt) {
        full.endedAt = now;
        if (r.startedAt) {
          const from = r.meteredUntil ?? r.startedAt;
          await this.usage.record(tx.manager, replicaUsageBetween(svc, r, from, now));
          full.meteredUntil = now;
        }
      }
      await tx.update(svc.id, replicaId, full);
      return true;
    });
    if (moved) {
      this.logger.log({ service: svc.name, replicaId, status: to, reason }, 'replica status');
    }
    return moved;
  }
}

/** SkyServe's probe: GET (or POST with `post_data`) the path; HTTP 200 passes. */
function probe(r: ReplicaEntity): Promise<boolean> {
  if (!r.host || !r.hostPort) return Promise.resolve(false);
  const body = r.probe.post_data === null ? null : JSON.stringify(r.probe.post_data);
  return new Promise((resolve) => {
    const req = request(
      {
        host: r.host!,
        port: r.hostPort!,
        path: r.probe.path,
        method: body === null ? 'GET' : 'POST',
        headers: body === null ? {} : { 'content-type': 'application/json' },
        timeout: r.probe.timeout_seconds * 1000,
        agent: false,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end(body ?? undefined);
  });
}
