import { Injectable } from '@nestjs/common';
import { UnavailableError } from '@nanopod/common';
import { FederationErrorCodes } from '../federation.errors';
import { NodeChannel } from './node-channel';

/**
 * The live agent channels of this platform instance: node id -> channel. One live channel per
 * node; a new connection replaces the old one. (Several platform replicas each hold the
 * channels of the agents connected to them.)
 */
@Injectable()
export class NodeChannelRegistry {
  private readonly channels = new Map<string, NodeChannel>();

  attach(channel: NodeChannel): void {
    const old = this.channels.get(channel.nodeId);
    this.channels.set(channel.nodeId, channel);
    if (old && old !== channel) old.close('replaced by a newer connection', 4000);
  }

  detach(channel: NodeChannel): void {
    if (this.channels.get(channel.nodeId) === channel) this.channels.delete(channel.nodeId);
    channel.markClosed();
  }

  get(nodeId: string): NodeChannel | undefined {
    const c = this.channels.get(nodeId);
    return c?.isOpen ? c : undefined;
  }

  /** The channel, or 503 `federation.node_not_connected`. */
  require(nodeId: string): NodeChannel {
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
    return [...this.channels.keys()].filter((id) => this.isConnected(id));
  }

  closeAll(): void {
    for (const c of this.channels.values()) c.close('platform shutting down', 1001);
    this.channels.clear();
  }
}
