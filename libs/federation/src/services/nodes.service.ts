import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  Clock,
  ConflictError,
  isUuid,
  NANOPOD_CONFIG,
  NanopodConfig,
  NotFoundError,
  UnauthenticatedError,
} from '@nanopod/common';
import { isAdmin, Principal } from '@nanopod/identity';
import { NodeChannelRegistry } from '../channel/node-channel.registry';
import { NodeEvents } from '../events/node-events';
import { NodeEntity, nodeState } from '../entities/node.entity';
import { FederationErrorCodes } from '../federation.errors';
import { assertTransition } from '../node-state-machine';
import { NodesRepository } from '../repositories/nodes.repository';
import type { Heartbeat, HeartbeatAck } from '../protocol/agent-protocol';
import type { EntityManager } from 'typeorm';
import { normalizeInventory } from './inventory';
import { differingClaims, trustedInventory } from './node-trust';
import { LOST_AFTER_MISSED } from './node-health.reconciler';
import { NodeAuthService } from './node-auth.service';
import { PartnersService } from './partners.service';

export interface NodeSelector {
  zone?: string;
  labels?: Record<string, string>;
  node_ids?: string[];
}

export interface NodeView {
  node: NodeEntity;
  connected: boolean;
}

/** Nodes: heartbeats, who sees which node, cordon and drain, selection for work and exec. */
@Injectable()
export class NodesService {
  private readonly logger = new Logger(NodesService.name);

  constructor(
    private readonly nodes: NodesRepository,
    private readonly partners: PartnersService,
    private readonly channels: NodeChannelRegistry,
    private readonly auth: NodeAuthService,
    private readonly events: NodeEvents,
    private readonly clock: Clock,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {}

  async heartbeat(nodeId: string, hb: Heartbeat): Promise<HeartbeatAck> {
    const inventory = normalizeInventory(hb.inventory);
    const now = this.clock.now();
    const node = await this.nodes.findById(nodeId);
    if (!node || node.drain === 'terminated') {
      // Another instance may still hold the credential's hash in its cache.
      this.auth.forget(nodeId);
      throw new UnauthenticatedError(
        FederationErrorCodes.nodeTerminated,
        'This node is terminated',
      );
    }
    const wasUnwell = node.health !== 'healthy';
    // Inventory (CPU, memory, GPUs) is the agent's to report; what the node is stays as issued.
    const issued = { kind: node.kind, zone: node.zone, workloadClasses: node.workloadClasses };
    const claimed = differingClaims(issued, hb.inventory);
    if (JSON.stringify(claimed) !== JSON.stringify(node.claimed ?? null) && claimed) {
      this.logger.warn({ nodeId, claimed }, 'agent claims differ from what the node was issued');
    }
    await this.nodes.update(nodeId, {
      inventory: trustedInventory(inventory, issued),
      claimed,
      agentVersion: inventory.agent_version,
      lastHeartbeatAt: now,
      health: 'healthy',
      ...(wasUnwell ? { healthChangedAt: now } : {}),
      updatedAt: now,
    });
    if (wasUnwell) this.logger.log({ nodeId, from: node.health }, 'node healthy again');
    return {
      node_id: nodeId,
      state: nodeState({ health: 'healthy', drain: node.drain }),
      cordoned: node.cordoned,
      heartbeat_interval_ms: this.config.nodeHeartbeatMs,
    };
  }

  /**
   * A channel `hello` counts as a heartbeat. Returns when the node was heard from before this
   * one: what ran there is known alive until then, not during the silence in between.
   */
  async touch(nodeId: string, agentVersion?: string): Promise<Date | null> {
    const now = this.clock.now();
    const before = (await this.nodes.healthOf([nodeId]))[0]?.lastHeartbeatAt ?? null;
    await this.nodes.update(nodeId, {
      lastHeartbeatAt: now,
      updatedAt: now,
      ...(agentVersion ? { agentVersion } : {}),
      health: 'healthy',
    });
    return before;
  }

  /** Admins see every node; partner owners their partners' nodes; anyone else none. */
  async list(principal: Principal): Promise<NodeView[]> {
    let rows: NodeEntity[];
    if (isAdmin(principal)) {
      rows = await this.nodes.all();
    } else {
      const owned = await this.partners.ownedPartnerIds(principal.userId);
      rows = await this.nodes.ofPartners(owned);
    }
    return rows.map((node) => this.view(node));
  }

  /** A node the caller sees, by id or by name (see `visible`). */
  async get(principal: Principal, ref: string): Promise<NodeView> {
    return this.view(await this.visible(principal, ref));
  }

  async cordon(principal: Principal, ref: string, cordoned: boolean): Promise<NodeView> {
    const node = await this.visible(principal, ref);
    const id = node.id;
    this.refuseTerminated(node);
    const patch: Partial<NodeEntity> = { cordoned, updatedAt: this.clock.now() };
    // Uncordoning a drained or draining node puts it back into service.
    if (!cordoned && node.drain !== 'none') {
      assertTransition(node.drain, 'none');
      patch.drain = 'none';
    }
    await this.nodes.update(id, patch);
    this.logger.log({ nodeId: id, cordoned, by: principal.userId }, 'node cordon changed');
    return this.get(principal, id);
  }

  /** Drain: no new work; the node is `drained` once its running work has ended. */
  async drain(principal: Principal, ref: string): Promise<NodeView> {
    const node = await this.visible(principal, ref);
    const id = node.id;
    this.refuseTerminated(node);
    if (node.drain === 'none') {
      assertTransition(node.drain, 'draining');
      await this.nodes.update(id, {
        cordoned: true,
        drain: 'draining',
        updatedAt: this.clock.now(),
      });
      this.logger.log({ nodeId: id, by: principal.userId }, 'node draining');
    }
    return this.get(principal, id);
  }

  /**
   * Terminate: the node leaves the network for good. Its credential stops working at once (also
   * on the open channel), and its active work fails through the `lost` event.
   */
  async terminate(principal: Principal, ref: string): Promise<NodeView> {
    const node = await this.visible(principal, ref);
    const id = node.id;
    if (node.drain !== 'terminated') {
      assertTransition(node.drain, 'terminated');
      await this.events.emitLost([id]);
      await this.nodes.update(id, {
        drain: 'terminated',
        cordoned: true,
        updatedAt: this.clock.now(),
      });
      this.auth.forget(id);
      this.channels.get(id)?.close('node terminated', 4001);
      this.logger.log({ nodeId: id, by: principal.userId }, 'node terminated');
    }
    return this.get(principal, id);
  }

  /** Nodes that may take new work now: healthy, not cordoned or draining, agent connected. */
  async schedulable(): Promise<NodeEntity[]> {
    const connected = this.channels.connectedIds();
    if (!connected.length) return [];
    return this.nodes.schedulable(connected);
  }

  /**
   * The node, locked in the caller's transaction, while it is still schedulable (healthy,
   * not cordoned, not draining, agent connected); null otherwise. Placement re-checks free
   * resources under this lock so concurrent creates cannot overcommit a node.
   */
  async lockForPlacement(manager: EntityManager, id: string): Promise<NodeEntity | null> {
    if (!this.channels.get(id)) return null;
    return this.nodes.lockSchedulable(manager, id);
  }

  /** Ids among `ids` of nodes that are lost (or gone). */
  async lostAmong(ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const alive = await this.nodes.healthOf(ids);
    const known = new Map(alive.map((n) => [n.id, n]));
    return ids.filter((id) => {
      const n = known.get(id);
      return !n || n.health === 'lost' || n.drain === 'terminated';
    });
  }

  /** When each of `ids` was last heard from (heartbeat or hello); unknown nodes are absent. */
  async lastHeard(ids: string[]): Promise<Map<string, Date | null>> {
    const rows = await this.nodes.healthOf(ids);
    return new Map(rows.map((n) => [n.id, n.lastHeartbeatAt]));
  }

  /**
   * Those of `ids` whose work is to be given up, with when each was last heard from: terminated
   * nodes at once, others once silent for `graceMs` (and past the lost threshold).
   */
  async goneFor(ids: string[], graceMs: number): Promise<Map<string, Date | null>> {
    if (!ids.length) return new Map();
    const silentBefore =
      this.clock.nowMs() - Math.max(graceMs, LOST_AFTER_MISSED * this.config.nodeHeartbeatMs);
    const rows = await this.nodes.healthOf(ids);
    const known = new Set(rows.map((n) => n.id));
    const gone = new Map<string, Date | null>();
    for (const id of ids) if (!known.has(id)) gone.set(id, null);
    for (const n of rows) {
      if (
        n.drain === 'terminated' ||
        !n.lastHeartbeatAt ||
        n.lastHeartbeatAt.getTime() <= silentBefore
      ) {
        gone.set(n.id, n.lastHeartbeatAt);
      }
    }
    return gone;
  }

  /**
   * Node names by id, for showing where someone's own work runs (a sandbox's node): the name
   * only, which its owner may see even when the node itself is not theirs to manage.
   */
  async namesOf(ids: string[]): Promise<Map<string, string>> {
    const rows = await this.nodes.namesOf([...new Set(ids)]);
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  async byId(id: string): Promise<NodeEntity | null> {
    return this.nodes.findById(id);
  }

  /**
   * Issues a node's address after enrollment. For the platform's own local agent only (its
   * credential lives in the platform's data dir): one enrolled before addresses existed gets
   * loopback. Never from anything an agent says.
   */
  async issueAddress(id: string, address: string): Promise<void> {
    await this.nodes.update(id, { address });
  }

  /** Nodes matching a selector (every key must match); `gpu=` also matches GPU models. */
  async select(selector: NodeSelector): Promise<NodeEntity[]> {
    const rows = await this.nodes.all();
    return rows.filter((n) => n.drain !== 'terminated' && matches(n, selector));
  }

  private view(node: NodeEntity): NodeView {
    return { node, connected: this.channels.isConnected(node.id) };
  }

  /**
   * The node `ref` names (its id, or its name) if the caller may see it; otherwise 404. Node
   * names are not unique: among the nodes of that name the caller sees, a terminated one only
   * counts when no other does, and two or more left is a 409 listing their ids.
   */
  private async visible(principal: Principal, ref: string): Promise<NodeEntity> {
    const notFound = () =>
      new NotFoundError(FederationErrorCodes.nodeNotFound, 'No such node', { id: ref });
    if (isUuid(ref)) {
      const node = await this.nodes.findById(ref);
      if (!node || !(await this.partners.canManage(principal, node.partnerId))) throw notFound();
      return node;
    }
    const named = await this.nodes.findByName(ref);
    const owned = isAdmin(principal)
      ? null
      : new Set(await this.partners.ownedPartnerIds(principal.userId));
    const seen = named.filter((n) => !owned || owned.has(n.partnerId));
    const live = seen.filter((n) => n.drain !== 'terminated');
    const matches = live.length ? live : seen;
    if (matches.length === 0) throw notFound();
    if (matches.length > 1) {
      throw new ConflictError(
        FederationErrorCodes.nodeNameAmbiguous,
        `${matches.length} nodes are named "${ref}"; use one of their ids`,
        { name: ref, ids: matches.map((n) => n.id) },
      );
    }
    return matches[0];
  }

  private refuseTerminated(node: NodeEntity): void {
    if (node.drain === 'terminated') {
      this.auth.forget(node.id);
      throw new ConflictError(FederationErrorCodes.nodeTerminated, 'This node is terminated', {
        id: node.id,
      });
    }
  }
}

function matches(n: NodeEntity, s: NodeSelector): boolean {
  if (s.node_ids?.length && !s.node_ids.includes(n.id) && !s.node_ids.includes(n.name))
    return false;
  if (s.zone && n.zone !== s.zone) return false;
  for (const [k, v] of Object.entries(s.labels ?? {})) {
    const label = n.labels[k] ?? n.inventory.labels?.[k];
    if (label === v) continue;
    if (
      k === 'gpu' &&
      n.inventory.gpus.some((g) => g.model.toLowerCase().includes(v.toLowerCase()))
    )
      continue;
    if (k === 'kind' && n.kind === v) continue;
    return false;
  }
  return true;
}
