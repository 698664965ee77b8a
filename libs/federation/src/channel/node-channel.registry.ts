import { Injectable } from '@nestjs/common';
import { UnavailableError } from '@nanopod/common';
import { FederationErrorCodes } from '../federation.errors';
import { AgentRouter } from './agent-router';
import { AgentLink, NodeChannel } from './node-channel';

/**
 * The agent channels: node id -> channel on this replica, one live channel per node (a new
 * connection replaces the old one); nodes whose agent is connected to another replica are
 * reached through AgentRouter, so any replica can serve any node.
 */
@Injectable()
export class NodeChannelRegistry {
  private readonly channels = new Map<string, NodeChannel>();

  constructor(private readonly router: AgentRouter) {
    router.bindLocal(
      (id) => this.local(id),
      () => this.localIds(),
    );
  }

  attach(channel: NodeChannel): void {
    const old = this.channels.get(channel.nodeId);
    this.channels.set(channel.nodeId, channel);
    if (old && old !== channel) old.close('replaced by a newer connection', 4000);
    this.router.announceUp(channel.nodeId);
  }

  detach(channel: NodeChannel): void {
    if (this.channels.get(channel.nodeId) === channel) {
      this.channels.delete(channel.nodeId);
      this.router.announceDown(channel.nodeId);
    }
    channel.markClosed();
  }

  /** The channel on this replica only. */
  local(nodeId: string): NodeChannel | undefined {
    const c = this.channels.get(nodeId);
    return c?.isOpen ? c : undefined;
  }

  /** A link to the node's agent, wherever it is connected. */
  get(nodeId: string): AgentLink | undefined {
    return this.local(nodeId) ?? this.router.remoteLink(nodeId);
  }

  /** The link, or 503 `federation.node_not_connected` when no replica holds the agent. */
  require(nodeId: string): AgentLink {
    const c = this.get(nodeId);
    if (!c) {
      throw new UnavailableError(
        FederationErrorCodes.notConnected,
        'The node agent is not connected',
        {
          node_id: nodeId,
        },
      );
    }
    return c;
  }

  isConnected(nodeId: string): boolean {
    return this.get(nodeId) !== undefined;
  }

  connectedIds(): string[] {
    return [...new Set([...this.localIds(), ...this.router.remoteIds()])];
  }

  private localIds(): string[] {
    return [...this.channels.keys()].filter((id) => this.local(id) !== undefined);
  }

  closeAll(): void {
    for (const c of this.channels.values()) c.close('platform shutting down', 1001);
    this.channels.clear();
  }
}
