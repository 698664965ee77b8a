import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Clock, LeaderLock, NANOPOD_CONFIG, NanopodConfig, Reconciler } from '@nanopod/common';
import { hourOf, HOUR_MS, MarketEvents, MarketService, SpotPriceEvent } from '@nanopod/market';
import { randomUUID } from 'node:crypto';
import { canMove, DeploymentNodeState, LIVE_STATES, pickExcess } from '../core';
import { DeploymentEntity, DeploymentNodeEntity } from '../entities/deployment.entity';
import { CapacitiesRepository } from '../repositories/capacities.repository';
import { DeploymentsRepository } from '../repositories/deployments.repository';
import { ProcurementsRepository } from '../repositories/procurements.repository';
import { DeploymentPlacement, HostPool } from './deployment-placement.service';

/** How long a node runs after an interruption notice before it is preempted. */
export const NOTICE_GRACE_MS = 5 * 60_000;
const TICK_MS = 5_000;

/** Running first (oldest first), then provisioning, then waiting: who keeps the held time. */
const KEEP_RANK: Record<string, number> = { running: 0, pending: 1, awaiting_allocation: 2 };

/**
 * One leader moves every deployment towards its target: new nodes wait in awaiting_allocation;
 * a node starts (pending, then running) when its capacity holds compute time for the current
 * block; excess nodes are released (idle first, newest first); a running node whose time ran
 * out gets a notice and is preempted after the grace period, and a replacement waits for time.
 */
@Injectable()
export class DeploymentReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeploymentReconciler.name);
  readonly loop: Reconciler;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly deployments: DeploymentsRepository,
    private readonly capacities: CapacitiesRepository,
    private readonly procurements: ProcurementsRepository,
    private readonly market: MarketService,
    private readonly events: MarketEvents,
    private readonly clock: Clock,
    private readonly placement: DeploymentPlacement,
    leader: LeaderLock,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {
    this.loop = new Reconciler(
      { name: 'compute.deployments', intervalMs: TICK_MS, clock, leader },
      () => this.tick(clock.now()),
    );
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.events.onSpotPrice((e) => this.onSpotPrice(e));
    if (this.config.env !== 'test') this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.loop.stop();
  }

  async tick(now: Date): Promise<void> {
    const all = await this.deployments.toReconcile();
    for (const d of all) await this.scale(d, now);
    for (const capacityId of new Set(all.map((d) => d.capacityId)))
      await this.allocate(capacityId, now);
  }

  /** Adds waiting nodes up to the target, releases (or terminates, when deleted) the excess. */
  private async scale(d: DeploymentEntity, now: Date): Promise<void> {
    const live = await this.deployments.nodesOf([d.id], LIVE_STATES);
    const target = d.deletedAt ? 0 : d.targetNodeCount;
    if (live.length < target) {
      let seq = await this.deployments.maxSeq(d.id);
      const fresh = Array.from({ length: target - live.length }, () =>
        Object.assign(new DeploymentNodeEntity(), {
          id: randomUUID(),
          deploymentId: d.id,
          capacityId: d.capacityId,
          seq: ++seq,
          state: 'awaiting_allocation' as const,
          stateReason: null,
          nodeId: null,
          noticeAt: null,
          noticeDeadline: null,
          noticeReason: null,
          startedAt: null,
          endedAt: null,
          createdAt: now,
          updatedAt: now,
        }),
      );
      await this.deployments.insertNodes(fresh);
    } else if (live.length > target) {
      const to: DeploymentNodeState = d.deletedAt ? 'terminated' : 'released';
      for (const n of pickExcess(live, live.length - target)) {
        await this.move(n, to, d.deletedAt ? 'deployment_deleted' : 'scaled_down', now);
      }
    }
  }

  /**
   * Splits the capacity's held nodes for the current block among its live nodes: those that
   * keep time start or keep running; a running node left without time gets a notice, then is
   * preempted; a provisioning one goes back to waiting.
   */
  private async allocate(capacityId: string, now: Date): Promise<void> {
    const nowHour = hourOf(now.getTime());
    const [held, next] = await this.market.coverage(capacityId, nowHour, 2);
    const blockEnd = (nowHour + 1) * HOUR_MS;
    // Within the grace period before the block ends, nodes the next block does not hold get
    // their notice now, so they stop when their paid time ends rather than after it.
    const endingSoon = blockEnd - now.getTime() <= NOTICE_GRACE_MS;
    const live = (await this.deployments.liveNodesOfCapacity(capacityId)).sort(
      (a, b) =>
        KEEP_RANK[a.state] - KEEP_RANK[b.state] ||
        a.createdAt.getTime() - b.createdAt.getTime() ||
        a.seq - b.seq,
    );
    let hosts: HostPool | null = null;
    for (let i = 0; i < live.length; i++) {
      const n = live[i];
      const covered = i < held;
      if (covered) {
        if (n.state === 'awaiting_allocation') {
          const capacity = await this.capacities.byId(capacityId);
          if (!capacity) continue;
          hosts ??= await this.placement.poolFor(capacity);
          await this.provision(n, hosts, now);
        }
        // Provisioning takes one pass (an agent would report it); then the node runs.
        else if (n.state === 'pending')
          await this.move(n, 'running', null, now, { startedAt: now });
        else if (n.noticeDeadline && n.noticeDeadline.getTime() <= now.getTime()) {
          // The time was renewed after all: the notice is void.
          await this.deployments.moveNode(n.id, n.state, {
            noticeAt: null,
            noticeDeadline: null,
            noticeReason: null,
            updatedAt: now,
          });
        } else if (n.state === 'running' && endingSoon && i >= next && !n.noticeAt) {
          await this.notice(n, 'compute_time_ending', new Date(blockEnd), now);
        }
        continue;
      }
      if (n.state === 'pending') await this.move(n, 'awaiting_allocation', 'allocation_lost', now);
      else if (n.state === 'running') {
        if (!n.noticeAt) {
          await this.notice(
            n,
            'compute_time_ended',
            new Date(now.getTime() + NOTICE_GRACE_MS),
            now,
          );
        } else if (n.noticeDeadline && n.noticeDeadline.getTime() <= now.getTime()) {
          await this.move(n, 'preempted', n.noticeReason ?? 'compute_time_ended', now);
        }
      }
    }
  }

  /**
   * A covered node starts on the host the placement policy picks among the zone's agents.
   * No host that fits (or a policy that cannot answer: fail closed) leaves it waiting, with
   * the reason. A zone without any schedulable agent is a market-only capacity: its compute
   * time is bought from partners outside this platform's agents, and the node has no host.
   */
  private async provision(n: DeploymentNodeEntity, hosts: HostPool, now: Date): Promise<void> {
    const choice = hosts.choose();
    if (choice.kind === 'host' || choice.kind === 'no_hosts') {
      const nodeId = choice.kind === 'host' ? choice.nodeId : null;
      await this.move(n, 'pending', 'provisioning', now, { nodeId });
      return;
    }
    const reason = choice.kind === 'no_fit' ? 'no_host_fits' : 'placement_policy_error';
    if (n.stateReason !== reason) {
      await this.deployments.moveNode(n.id, n.state, { stateReason: reason, updatedAt: now });
      n.stateReason = reason;
      if (choice.kind === 'policy_error') {
        this.logger.warn({ nodeId: n.id, code: choice.code }, 'placement policy failed');
      }
    }
  }

  /**
   * The spot price passed a holder's limit: running nodes whose time is not held for the next
   * block get their notice now, with the end of the current block as deadline.
   */
  async onSpotPrice(e: SpotPriceEvent): Promise<void> {
    try {
      for (const p of await this.procurements.active()) {
        if (p.maxBuyPriceCents >= e.priceCents) continue;
        const cap = await this.capacities.byId(p.capacityId);
        if (!cap || cap.zone !== e.zone || cap.instanceType !== e.instanceType) continue;
        const nowHour = hourOf(e.at.getTime());
        const [, next] = await this.market.coverage(cap.id, nowHour, 2);
        const running = (await this.deployments.liveNodesOfCapacity(cap.id))
          .filter((n) => n.state === 'running')
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.seq - b.seq);
        for (const n of running.slice(next)) {
          if (!n.noticeAt) {
            await this.notice(n, 'spot_price_above_limit', new Date((nowHour + 1) * HOUR_MS), e.at);
          }
        }
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'spot price interruption check failed');
    }
  }

  private async notice(
    n: DeploymentNodeEntity,
    reason: string,
    deadline: Date,
    now: Date,
  ): Promise<void> {
    await this.deployments.moveNode(n.id, n.state, {
      noticeAt: now,
      noticeDeadline: deadline,
      noticeReason: reason,
      updatedAt: now,
    });
    this.logger.log({ nodeId: n.id, reason, deadline }, 'interruption notice');
  }

  private async move(
    n: DeploymentNodeEntity,
    to: DeploymentNodeState,
    reason: string | null,
    now: Date,
    extra: Partial<DeploymentNodeEntity> = {},
  ): Promise<void> {
    if (!canMove(n.state, to)) return;
    const ended = !LIVE_STATES.includes(to);
    await this.deployments.moveNode(n.id, n.state, {
      state: to,
      stateReason: reason,
      updatedAt: now,
      ...(ended ? { endedAt: now } : {}),
      ...(to === 'awaiting_allocation'
        ? { noticeAt: null, noticeDeadline: null, noticeReason: null, nodeId: null }
        : {}),
      ...extra,
    });
    n.state = to;
  }
}
