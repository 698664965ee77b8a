import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import {
  Clock,
  LeaderLock,
  NANOPOD_CONFIG,
  NanopodConfig,
  PlatformLifecycle,
  Reconciler,
} from '@nanopod/common';
import { NodeEvents } from '../events/node-events';
import { NodesRepository } from '../repositories/nodes.repository';

/** Missed heartbeats before a node is unhealthy, and before it is lost. */
export const UNHEALTHY_AFTER_MISSED = 2;
export const LOST_AFTER_MISSED = 3;

/**
 * Node liveness from heartbeats, one leader at a time: unhealthy after 2 missed heartbeats,
 * lost after 3 (then its running work fails with `node_lost`, through NodeEvents). Ticks four
 * times per interval so that a lost node is seen at most a quarter interval late. Also ends
 * drains whose work is gone.
 */
@Injectable()
export class NodeHealthReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NodeHealthReconciler.name);
  private readonly loop: Reconciler;

  constructor(
    private readonly nodes: NodesRepository,
    private readonly leader: LeaderLock,
    private readonly events: NodeEvents,
    private readonly clock: Clock,
    private readonly lifecycle: PlatformLifecycle,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {
    this.loop = new Reconciler(
      {
        name: 'federation.node-health',
        intervalMs: Math.max(25, Math.floor(config.nodeHeartbeatMs / 4)),
        leader,
        clock,
        failureMessage: 'node health pass failed',
        failureLevel: 'error',
      },
      () => this.reconcile(),
    );
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async tick(): Promise<void> {
    if (this.lifecycle.stopping) return;
    await this.loop.runNow();
  }

  async reconcile(): Promise<void> {
    const now = this.clock.nowMs();
    const interval = this.config.nodeHeartbeatMs;
    // While this platform stops, or for NANOPOD_NODE_START_GRACE_MS after it started, agents are
    // away or reconnecting (with backoff) because of us: silence then says nothing about a node,
    // and failing its work for it would be wrong.
    if (this.lifecycle.stopping) return;
    if (this.lifecycle.uptimeMs() < this.config.nodeStartGraceMs) {
      await this.finishDrains(new Date(now));
      return;
    }
    const lostBefore = new Date(now - LOST_AFTER_MISSED * interval);
    const unhealthyBefore = new Date(now - UNHEALTHY_AFTER_MISSED * interval);
    const at = new Date(now);
    // Work on a lost node fails first, then the node shows lost: whoever sees `lost` sees its
    // sandboxes failed too.
    const lostIds = await this.nodes.silentSince(lostBefore);
    // A stop may have begun while the query ran.
    if (lostIds.length && !this.lifecycle.stopping) {
      this.logger.warn({ nodeIds: lostIds }, 'nodes lost: missed heartbeats');
      await this.events.emitLost(lostIds);
      await this.nodes.markLost(lostIds, lostBefore, at);
    }
    for (const nodeId of await this.nodes.markUnhealthy(unhealthyBefore, at)) {
      this.logger.warn({ nodeId }, 'node unhealthy: missed heartbeats');
    }
    await this.finishDrains(at);
  }

  private async finishDrains(at: Date): Promise<void> {
    const draining = await this.nodes.drainingIds();
    if (!draining.length) return;
    const active = await this.events.activeWorkload(draining);
    const done = draining.filter((id) => !active.get(id));
    if (!done.length) return;
    await this.nodes.markDrained(done, at);
    this.logger.log({ nodeIds: done }, 'nodes drained');
  }
}
