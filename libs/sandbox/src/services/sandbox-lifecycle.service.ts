import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { Clock, LeaderLock, NANOPOD_CONFIG, NanopodConfig, Reconciler } from '@nanopod/common';
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
 * idle stop (scale to zero: no exec for idle_timeout), periodic metering of running ones. And
 * what nodes report: a lost node fails its work with `node_lost`; after an agent restart (its
 * `hello`), work the agent no longer runs fails with `agent_restarted`, and sandboxes the
 * platform has let go of are deleted on the node.
 */
@Injectable()
export class SandboxLifecycle
  implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
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
      () => this.reconcile(),
    );
  }

  onModuleInit(): void {
    this.events.onLost((ids) => this.nodesLost(ids));
    this.events.onHello((nodeId, report) => this.agentHello(nodeId, report));
    this.events.onSandboxState((nodeId, msg) => this.agentState(nodeId, msg));
    this.events.registerActiveWorkload((ids) => this.activeOn(ids));
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async tick(): Promise<void> {
    await this.loop.runNow();
  }

  async reconcile(): Promise<void> {
    const now = this.clock.now();
    const expiring = await this.repo.dueToExpire(now);
    for (const sb of expiring) {
      const done = await this.transitions.transition(sb.id, 'expired', 'ttl', {
        from: ['pending', 'starting', 'running', 'stopped'],
      });
      if (done)
        await this.sandboxes.tell(sb.nodeId, { type: 'sandbox.delete', sandbox_id: sb.id }, 15000);
    }
    // A sweep behind the `lost` event: work left active on a lost node fails here.
    const active = await this.repo.active();
    const lostNodes = await this.nodes.lostAmong([
      ...new Set(active.map((s) => s.nodeId!).filter(Boolean)),
    ]);
    if (lostNodes.length) await this.nodesLost(lostNodes);
    const running = active.filter(
      (s) => s.state === 'running' && !s.deletedAt && !lostNodes.includes(s.nodeId!),
    );
    for (const sb of running) {
      if (sb.lastActivityAt.getTime() + sb.idleTimeoutSeconds * 1000 <= now.getTime()) {
        await this.sandboxes.stopOnNode(sb, 'idle');
      } else if (
        (sb.meteredUntil ?? sb.startedAt ?? now).getTime() + this.config.sandboxUsageIntervalMs <=
        now.getTime()
      ) {
        await this.transitions.meter(sb.id);
      }
    }
  }

  async nodesLost(nodeIds: string[]): Promise<void> {
    const rows = await this.repo.active(nodeIds);
    for (const sb of rows) {
      await this.transitions.transition(sb.id, 'failed', 'node_lost', { from: ACTIVE_STATES });
    }
    if (rows.length)
      this.logger.warn({ nodeIds, sandboxes: rows.length }, 'sandboxes failed: node lost');
  }

  async agentHello(nodeId: string, report: AgentSandboxReport): Promise<void> {
    const reported = new Map(report.map((r) => [r.sandbox_id, r.state]));
    const ours = await this.repo.onNode(nodeId);
    const byId = new Map(ours.map((s) => [s.id, s]));
    for (const sb of ours) {
      if (sb.deletedAt || !['starting', 'running'].includes(sb.state)) continue;
      const there = reported.get(sb.id);
      // `starting` on the agent side still counts: the start reply is on its way.
      if (there === 'running' || (there === 'starting' && sb.state === 'starting')) continue;
      await this.transitions.transition(sb.id, 'failed', 'agent_restarted', {
        from: ['starting', 'running'],
      });
    }
    const channel = this.channels.get(nodeId);
    if (!channel) return;
    for (const [sandboxId, state] of reported) {
      const sb = byId.get(sandboxId);
      if (!sb || sb.deletedAt || sb.state === 'failed' || sb.state === 'expired') {
        await this.sandboxes.tell(nodeId, { type: 'sandbox.delete', sandbox_id: sandboxId }, 15000);
      } else if (sb.state === 'stopped' && state === 'running') {
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
