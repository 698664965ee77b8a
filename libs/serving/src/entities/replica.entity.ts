import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Pricing } from '../core/autoscaler';
import type { ReadinessProbe } from '../core/service-spec';
import type { ReplicaStatus } from '../core/states';

/** One replica of one version of a service; kept after it ends (ids only grow). */
@Entity({ name: 'serving_replicas' })
export class ReplicaEntity {
  @PrimaryColumn({ name: 'service_id', type: 'uuid' })
  serviceId!: string;

  @PrimaryColumn({ name: 'replica_id', type: 'integer' })
  replicaId!: number;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'text' })
  pricing!: Pricing;

  @Column({ type: 'text' })
  status!: ReplicaStatus;

  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason!: string | null;

  /** The sandbox the replica runs in (through the node agent). */
  @Column({ name: 'sandbox_id', type: 'uuid', nullable: true })
  sandboxId!: string | null;

  @Column({ name: 'node_id', type: 'uuid', nullable: true })
  nodeId!: string | null;

  /** Where the platform reaches the replica's port (the agent's forward on its node). */
  @Column({ type: 'text', nullable: true })
  host!: string | null;

  @Column({ name: 'host_port', type: 'integer', nullable: true })
  hostPort!: number | null;

  @Column({ name: 'gpu_type', type: 'text', nullable: true })
  gpuType!: string | null;

  @Column({ type: 'integer' })
  gpus!: number;

  @Column({ type: 'jsonb' })
  probe!: ReadinessProbe;

  @Column({ name: 'launched_at', type: 'timestamptz' })
  launchedAt!: Date;

  /** When `run` started in its sandbox (STARTING): the initial delay counts from here. */
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'ready_at', type: 'timestamptz', nullable: true })
  readyAt!: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  /** Replica seconds are recorded up to here. */
  @Column({ name: 'metered_until', type: 'timestamptz', nullable: true })
  meteredUntil!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
