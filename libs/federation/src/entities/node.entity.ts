import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { NodeInventory, NodeKind, WorkloadClassName } from '../protocol/agent-protocol';

/** What an agent claimed about itself that differs from what the platform issued. */
export interface NodeClaims {
  kind?: string;
  zone?: string;
  workload_classes?: string[];
}

/** Liveness from heartbeats: unhealthy after 2 missed, lost after 3. */
export type NodeHealth = 'healthy' | 'unhealthy' | 'lost';
/** What operators asked: drain stops new work and ends in drained; terminated is final. */
export type NodeDrain = 'none' | 'draining' | 'drained' | 'terminated';
/** The one state shown to people, derived from health, drain and cordon. */
export type NodeState = 'running' | 'unhealthy' | 'lost' | 'draining' | 'drained' | 'terminated';

@Entity({ name: 'nodes' })
export class NodeEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'partner_id', type: 'uuid' })
  partnerId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'credential_hash', type: 'text', select: false })
  credentialHash!: string;

  @Column({ type: 'text' })
  health!: NodeHealth;

  @Column({ type: 'text' })
  drain!: NodeDrain;

  @Column({ type: 'boolean' })
  cordoned!: boolean;

  @Column({ type: 'text' })
  zone!: string;

  @Column({ type: 'jsonb' })
  labels!: Record<string, string>;

  /** From the enrollment token, never from the agent. */
  @Column({ type: 'text' })
  kind!: NodeKind;

  /** From the enrollment token (or the kind's default), never from the agent. */
  @Column({ name: 'workload_classes', type: 'jsonb' })
  workloadClasses!: WorkloadClassName[];

  /**
   * Where the platform connects to this node's forwarded replica ports (its VPN address; the
   * local agent's is loopback). From the enrollment token, never from the agent: null, the node
   * takes no work with ports.
   */
  @Column({ type: 'text', nullable: true })
  address!: string | null;

  /** The agent's last claims that differ from the issued kind, zone or classes; null if none. */
  @Column({ type: 'jsonb', nullable: true })
  claimed!: NodeClaims | null;

  @Column({ type: 'jsonb' })
  inventory!: NodeInventory;

  @Column({ name: 'agent_version', type: 'text', nullable: true })
  agentVersion!: string | null;

  @Column({ name: 'last_heartbeat_at', type: 'timestamptz', nullable: true })
  lastHeartbeatAt!: Date | null;

  @Column({ name: 'health_changed_at', type: 'timestamptz', nullable: true })
  healthChangedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

export function nodeState(node: Pick<NodeEntity, 'health' | 'drain'>): NodeState {
  if (node.drain === 'terminated') return 'terminated';
  if (node.health === 'lost') return 'lost';
  if (node.health === 'unhealthy') return 'unhealthy';
  if (node.drain === 'draining' || node.drain === 'drained') return node.drain;
  return 'running';
}
