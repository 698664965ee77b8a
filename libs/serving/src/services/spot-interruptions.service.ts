import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { NodesService } from '@nanopod/federation';
import { instanceType, MarketEvents, SpotPriceEvent } from '@nanopod/market';
import { isReplicaAlive } from '../core/states';
import { ServicesRepository } from '../repositories/services.repository';
import { ReplicaManager } from './replica-manager.service';
import { ServingReconciler } from './serving.reconciler';

/**
 * A spot price above a service's limit interrupts its spot replicas in that zone, as a spot
 * node stops when the price passes its buy limit (SF Compute) and a spot VM is preempted
 * (SkyServe): they become PREEMPTED, the controller replaces them (dynamic on-demand fallback
 * covers the gap) and new spot replicas keep out of the zone while the price stays above.
 * The market emits in the process that matched the trade; any process may preempt.
 */
@Injectable()
export class SpotInterruptions implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SpotInterruptions.name);
  private unsubscribe: (() => void) | null = null;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly events: MarketEvents,
    private readonly repo: ServicesRepository,
    private readonly replicas: ReplicaManager,
    private readonly nodes: NodesService,
    private readonly reconciler: ServingReconciler,
  ) {}

  onApplicationBootstrap(): void {
    // One price at a time, in the order they came: a later, lower price must not be overtaken.
    this.unsubscribe = this.events.onSpotPrice((e) => {
      this.pending = this.pending.then(() => this.onSpotPrice(e));
      return this.pending;
    });
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
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
        const spot = replicas.filter(
          (r) =>
            r.serviceId === svc.id && r.pricing === 'spot' && isReplicaAlive(r.status) && r.nodeId,
        );
        for (const r of spot) {
          if (!zones.has(r.nodeId!)) {
            zones.set(r.nodeId!, (await this.nodes.byId(r.nodeId!))?.zone ?? null);
          }
          if (zones.get(r.nodeId!) !== e.zone) continue;
          const reason =
            `spot price ${e.priceCents} cents/GPU-h in ${e.zone} is above the limit ` +
            `${svc.spec.resources.spot_max_price}`;
          if (await this.replicas.preempt(svc, r.replicaId, reason)) preempted++;
        }
      }
      if (preempted) {
        this.logger.warn(
          { zone: e.zone, price: e.priceCents, preempted },
          'spot replicas preempted',
        );
        this.reconciler.kick();
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'spot price interruption check failed');
    }
  }
}
