import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import {
  Clock,
  LeaderLock,
  NANOPOD_CONFIG,
  NanopodConfig,
  PlatformLifecycle,
  Reconciler,
} from '@nanopod/common';
import {
  AgentSandboxReport,
  NodeChannelRegistry,
  NodeEvents,
  NodesService,
  SandboxStateMessage,
} from '@nanopod/federation';
import { ACTIVE_STATES } from '../entities/sandbox.entity';
import { SandboxesRepository } from '../repositories/sandboxes.repository';
import { SandboxesService } from './sandboxes.service';
import { SandboxTransitions } from './sandbox-transitions.service';

const TICK_MS = 1000;

/**
 * Sandboxes over time, one leader at a time: TTL expiry (expired, files deleted on the node),
 * idle stop (scale to zero: no exec for idle_timeout), periodic metering of running ones (up to
 * their node's last heartbeat). And what nodes report: a node gone for NANOPOD_NODE_LOST_GRACE_MS
 * fails its work with `node_lost` (files stay on the node until the TTL); after an agent
 * restart (its `hello`), work it reports stopped is stopped with `agent_restarted` (files kept,
 * resumed by the next exec), work it still runs is adopted again, and only sandboxes deleted or
 * expired on the platform are deleted on the node. Usage of work that ended unseen stops at the
 * node's last heartbeat.
 */
@Injectable()
export class SandboxLifecycle
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger = new Logger(SandboxLifecycle.name);
  private readonly loop: Reconciler;

  constructor(
    private readonly repo: SandboxesRepository,
    private readonly sandboxes: SandboxesService,
    private readonly transitions: SandboxTransitions,
    private readonly events: NodeEvents,
    private readonly channels: NodeChannelRegistry,
    private readonly nodes: NodesService,
    private readonly leader: LeaderLock,
    private readonly clock: Clock,
    private readonly lifecycle: PlatformLifecycle,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {
    this.loop = new Reconciler(
      {
        name: 'sandbox.lifecycle',
        intervalMs: Math.min(TICK_MS, config.sandboxUsageIntervalMs),
        leader,
        clock,
        failureMessage: 'sandbox lifecycle pass failed',
        failureLevel: 'error',
      },
      // No pass starts while the platform stops (agents are away because of us).
      () => (this.lifecycle.stopping ? Promise.resolve() : this.reconcile()),
    );
  }

  onModuleInit(): void {
    this.events.onLost((ids) => this.nodesLost(ids));
    this.events.onHello((nodeId, report, lastHeardAt) =>
      this.agentHello(nodeId, report, lastHeardAt),
    );
    this.events.onSandboxState((nodeId, msg) => this.agentState(nodeId, msg));
    this.events.registerActiveWorkload((ids) => this.activeOn(ids));
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  /** First of the shutdown hooks: no pass starts while the platform stops. */
  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async tick(): Promise<void> {
    if (this.lifecycle.stopping) return;
    await this.loop.runNow();
  }

  async reconcile(): Promise<void> {
    const now = this.clock.now();
    const expiring = await this.repo.dueToExpire(now);
    for (const sb of expiring) {
      const done = await this.transitions.transition(sb.id, 'expired', 'ttl', {
        from: ['pending', 'starting', 'running', 'stopped', 'failed'],
      });
      if (done)
        await this.sandboxes.tell(sb.nodeId, { type: 'sandbox.delete', sandbox_id: sb.id }, 15000);
    }
    // A sweep behind the `lost` event: work left active on a node gone past its grace fails here.
    const active = await this.repo.active();
    const nodeIds = [...new Set(active.map((s) => s.nodeId!).filter(Boolean))];
    const lostNodes = await this.nodes.lostAmong(nodeIds);
    if (lostNodes.length) await this.nodesLost(lostNodes);
    const lastHeard = await this.nodes.lastHeard(nodeIds);
    const running = active.filter(
      (s) => s.state === 'running' && !s.deletedAt && !lostNodes.includes(s.nodeId!),
    );
    for (const sb of running) {
      if (this.lifecycle.stopping) return;
      if (sb.lastActivityAt.getTime() + sb.idleTimeoutSeconds * 1000 <= now.getTime()) {
        await this.sandboxes.stopOnNode(sb, 'idle');
      } else if (
        (sb.meteredUntil ?? sb.startedAt ?? now).getTime() + this.config.sandboxUsageIntervalMs <=
        now.getTime()
      ) {
        await this.transitions.meter(sb.id, lastHeard.get(sb.nodeId!) ?? null);
      }
    }
  }

  /** Fails the active work of those nodes gone past NANOPOD_NODE_LOST_GRACE_MS; files stay. */
  async nodesLost(nodeIds: string[]): Promise<void> {
    if (this.lifecycle.stopping) return;
    const gone = await this.nodes.goneFor(nodeIds, this.config.nodeLostGraceMs);
    if (!gone.size) return;
    const rows = await this.repo.active([...gone.keys()]);
    for (const sb of rows) {
      await this.transitions.transition(sb.id, 'failed', 'node_lost', {
        from: ACTIVE_STATES,
        aliveUntil: gone.get(sb.nodeId!) ?? null,
      });
    }
    if (rows.length)
      this.logger.warn(
        { nodeIds: [...gone.keys()], sandboxes: rows.length },
        'sandboxes failed: node lost',
      );
  }

  async agentHello(
    nodeId: string,
    report: AgentSandboxReport,
    lastHeardAt: Date | null = null,
  ): Promise<void> {
    const reported = new Map(report.map((r) => [r.sandbox_id, r.state]));
    const ours = await this.repo.onNode(nodeId);
    const byId = new Map(ours.map((s) => [s.id, s]));
    for (const sb of ours) {
      if (sb.deletedAt || !['starting', 'running'].includes(sb.state)) continue;
      const there = reported.get(sb.id);
      // `starting` on the agent side still counts: the start reply is on its way.
      if (there === 'running' || (there === 'starting' && sb.state === 'starting')) continue;
      // What ran is known alive until the node's previous heartbeat, not through the silence.
      const aliveUntil = sb.state === 'running' ? lastHeardAt : undefined;
      if (there === 'stopped' || there === 'starting') {
        // The agent restarted: the sandbox and its files are there, its processes are not.
        await this.transitions.transition(sb.id, 'stopped', 'agent_restarted', {
          from: ['starting', 'running'],
          aliveUntil,
        });
      } else {
        // Failed there, or unknown to the agent (its state dir was lost): nothing to resume.
        await this.transitions.transition(
          sb.id,
          'failed',
          there === 'failed' ? 'agent_failed' : 'agent_restarted',
          { from: ['starting', 'running'], aliveUntil },
        );
      }
    }
    const channel = this.channels.get(nodeId);
    if (!channel) return;
    for (const [sandboxId, state] of reported) {
      const sb = byId.get(sandboxId);
      // Files go only with their owner's delete, the TTL, or a sandbox this platform never had.
      if (!sb || sb.deletedAt || sb.state === 'expired') {
        await this.sandboxes.tell(nodeId, { type: 'sandbox.delete', sandbox_id: sandboxId }, 15000);
      } else if ((sb.state === 'stopped' || sb.state === 'failed') && state === 'running') {
        await this.sandboxes.tell(
          nodeId,
          { type: 'sandbox.stop', sandbox_id: sandboxId, reason: sb.stateReason ?? 'stopped' },
          15000,
        );
      }
    }
  }

  async agentState(nodeId: string, msg: SandboxStateMessage): Promise<void> {
    const sb = await this.repo.findOnNode(msg.sandbox_id, nodeId);
    if (!sb) return;
    if (msg.state === 'failed') {
      await this.transitions.transition(sb.id, 'failed', msg.reason ?? 'agent_failed', {
        from: ACTIVE_STATES,
      });
    } else if (msg.state === 'stopped') {
      await this.transitions.transition(sb.id, 'stopped', msg.reason ?? 'agent_stopped', {
        from: ACTIVE_STATES,
      });
    } else if (msg.state === 'running') {
      await this.transitions.transition(sb.id, 'running', null, { from: ['starting'] });
    }
  }

  private activeOn(nodeIds: string[]): Promise<Map<string, number>> {
    return this.repo.countActiveByNode(nodeIds);
  }
}
