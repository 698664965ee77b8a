import { Column, Entity, PrimaryColumn } from 'typeorm';

export interface DeploymentSubsidy {
  tier: string;
  rate_multiplier: number;
  decision_id: string;
  policy_version: number | null;
  /** The node count it was decided for. */
  target_node_count: number;
}
import type { DeploymentNodeState } from '../core';

@Entity({ name: 'compute_deployments' })
export class DeploymentEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'owner_id', type: 'uuid' }) ownerId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'capacity_id', type: 'uuid' }) capacityId!: string;
  @Column({ name: 'node_template_id', type: 'uuid' }) nodeTemplateId!: string;
  @Column({ name: 'target_node_count', type: 'integer' }) targetNodeCount!: number;
  /** The subsidy policy's decision at create or at the last scale-up (null before it existed). */
  @Column({ type: 'jsonb', nullable: true }) subsidy!: DeploymentSubsidy | null;
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true }) deletedAt!: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

@Entity({ name: 'compute_deployment_nodes' })
export class DeploymentNodeEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'deployment_id', type: 'uuid' }) deploymentId!: string;
  @Column({ name: 'capacity_id', type: 'uuid' }) capacityId!: string;
  /** Ids only grow within a deployment (as SkyServe's replica ids). */
  @Column({ type: 'integer' }) seq!: number;
  @Column({ type: 'text' }) state!: DeploymentNodeState;
  @Column({ name: 'state_reason', type: 'text', nullable: true }) stateReason!: string | null;
  @Column({ name: 'node_id', type: 'uuid', nullable: true }) nodeId!: string | null;
  @Column({ name: 'notice_at', type: 'timestamptz', nullable: true }) noticeAt!: Date | null;
  @Column({ name: 'notice_deadline', type: 'timestamptz', nullable: true })
  noticeDeadline!: Date | null;
  @Column({ name: 'notice_reason', type: 'text', nullable: true }) noticeReason!: string | null;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true }) endedAt!: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
