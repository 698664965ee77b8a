import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Clock, LeaderLock, NANOPOD_CONFIG, NanopodConfig, Reconciler } from '@nanopod/common';
import { NodesService } from '@nanopod/federation';
import { instanceType, MarketEvents, SpotPriceEvent } from '@nanopod/market';
import { isReplicaAlive } from '../core/states';
import { ReplicaEntity } from '../entities/replica.entity';
import { ServiceEntity } from '../entities/service.entity';
import { ServicesRepository } from '../repositories/services.repository';
import { ReplicaManager } from './replica-manager.service';
import { ServingReconciler } from './serving.reconciler';
import { SpotMarket } from './spot-market.service';

/** How often the leader checks stored spot prices against limits (events it did not see). */
const SWEEP_MS = 15_000;

/**
 * A spot price above a service's limit interrupts its spot replicas in that zone, as a spot
 * node stops when the price passes its buy limit (SF Compute) and a spot VM is preempted
 * (SkyServe): they become PREEMPTED, the controller replaces them (dynamic on-demand fallback
 * covers the gap) and new spot replicas keep out of the zone while the price stays above.
 * The market emits in the process that matched the trade, and only while it runs: a leader
 * sweep also compares the stored last trades with every limit, so a trade matched by another
 * platform instance, or while this one restarted, still interrupts.
 */
@Injectable()
export class SpotInterruptions implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SpotInterruptions.name);
  private unsubscribe: (() => void) | null = null;
  private pending: Promise<void> = Promise.resolve();
  private readonly loop: Reconciler;

  constructor(
    private readonly events: MarketEvents,
    private readonly repo: ServicesRepository,
    private readonly replicas: ReplicaManager,
    private readonly nodes: NodesService,
    private readonly reconciler: ServingReconciler,
    private readonly market: SpotMarket,
    leader: LeaderLock,
    clock: Clock,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {
    this.loop = new Reconciler({ name: 'serving.spot', intervalMs: SWEEP_MS, leader, clock }, () =>
      this.sweep(),
    );
  }

  onApplicationBootstrap(): void {
    this.listen();
    if (this.config.env !== 'test') this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.deafen();
    await this.loop.stop();
  }

  /** Acts on the market's price events (on from boot). */
  listen(): void {
    if (this.unsubscribe) return;
    // One price at a time, in the order they came: a later, lower price must not be overtaken.
    this.unsubscribe = this.events.onSpotPrice((e) => {
      this.pending = this.pending.then(() => this.onSpotPrice(e));
      return this.pending;
    });
  }

  /** Stops acting on price events (a process that does not see them; tests). */
  deafen(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /**
   * Every live spot replica of a service with a limit, against the stored last trade of its
   * GPU in its node's zone: above the limit, it is preempted as a price event would have.
   */
  async sweep(): Promise<void> {
    const services = (await this.repo.listLive(null)).filter(
      (s) =>
        s.spec.resources.use_spot &&
        s.spec.resources.spot_max_price != null &&
        s.spec.resources.accelerators,
    );
    if (!services.length) return;
    const replicas = await this.repo.replicasOf(services.map((s) => s.id));
    const zones = new Map<string, string | null>();
    const prices = new Map<string, number | null>();
    let preempted = 0;
    for (const svc of services) {
      const model = svc.spec.resources.accelerators!.type;
      for (const r of this.liveSpot(svc, replicas)) {
        const zone = await this.zoneOf(r.nodeId!, zones);
        if (zone === null) continue;
        const key = `${zone}\u0000${model}`;
        if (!prices.has(key)) prices.set(key, await this.market.highestPrice(zone, model));
        const price = prices.get(key);
        if (price != null && price > svc.spec.resources.spot_max_price!) {
          if (await this.interrupt(svc, r, price, zone)) preempted++;
        }
      }
    }
    this.preempted(preempted, 'sweep');
  }

  /** Resolves when every price seen so far has been acted on (tests). */
  settled(): Promise<void> {
    return this.pending;
  }

  async onSpotPrice(e: SpotPriceEvent): Promise<void> {
    try {
      const model = instanceType(e.instanceType)?.gpuModel.toLowerCase();
      if (!model) return;
      const services = (await this.repo.listLive(null)).filter((s) => {
        const r = s.spec.resources;
        return (
          r.use_spot &&
          r.spot_max_price != null &&
          r.accelerators?.type === model &&
          e.priceCents > r.spot_max_price
        );
      });
      if (!services.length) return;
      const replicas = await this.repo.replicasOf(services.map((s) => s.id));
      const zones = new Map<string, string | null>();
      let preempted = 0;
      for (const svc of services) {
        for (const r of this.liveSpot(svc, replicas)) {
          if ((await this.zoneOf(r.nodeId!, zones)) !== e.zone) continue;
          if (await this.interrupt(svc, r, e.priceCents, e.zone)) preempted++;
        }
      }
      this.preempted(preempted, 'price event');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'spot price interruption check failed');
    }
  }

  private liveSpot(svc: ServiceEntity, replicas: ReplicaEntity[]): ReplicaEntity[] {
    return replicas.filter(
      (r) => r.serviceId === svc.id && r.pricing === 'spot' && isReplicaAlive(r.status) && r.nodeId,
    );
  }

  private async zoneOf(nodeId: string, known: Map<string, string | null>): Promise<string | null> {
    if (!known.has(nodeId)) known.set(nodeId, (await this.nodes.byId(nodeId))?.zone ?? null);
    return known.get(nodeId)!;
  }

  private interrupt(
    svc: ServiceEntity,
    r: ReplicaEntity,
    priceCents: number,
    zone: string,
  ): Promise<boolean> {
    const reason =
      `spot price ${priceCents} cents/GPU-h in ${zone} is above the limit ` +
      `${svc.spec.resources.spot_max_price}`;
    return this.replicas.preempt(svc, r.replicaId, reason);
  }

  private preempted(count: number, by: string): void {
    if (!count) return;
    this.logger.warn({ preempted: count, by }, 'spot replicas preempted');
    this.reconciler.kick();
  }
}
