import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ExposedPort, RuntimeName, WorkloadClassName } from '@nanopod/federation';

export type SandboxPurpose = 'sandbox' | 'replica';

export const SANDBOX_STATES = [
  'pending',
  'starting',
  'running',
  'stopped',
  'failed',
  'expired',
] as const;
export type SandboxState = (typeof SANDBOX_STATES)[number];
/** States that hold resources on a node. */
export const ACTIVE_STATES: SandboxState[] = ['pending', 'starting', 'running'];

export interface SandboxSubsidy {
  tier: string;
  rate_multiplier: number;
  max_gpu_hours: number;
  decision_id: string | null;
  policy_version: number | null;
}

@Entity({ name: 'sandboxes' })
export class SandboxEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId!: string;

  /** Unique per owner among sandboxes that are not deleted (see `SANDBOX_NAME`). */
  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'node_id', type: 'uuid', nullable: true })
  nodeId!: string | null;

  @Column({ name: 'partner_id', type: 'uuid', nullable: true })
  partnerId!: string | null;

  @Column({ type: 'text' })
  runtime!: RuntimeName;

  @Column({ type: 'double precision' })
  cpu!: number;

  @Column({ name: 'memory_mb', type: 'integer' })
  memoryMb!: number;

  @Column({ type: 'integer' })
  gpus!: number;

  @Column({ name: 'gpu_type', type: 'text', nullable: true })
  gpuType!: string | null;

  @Column({ type: 'text' })
  network!: 'none' | 'egress';

  @Column({ type: 'jsonb' })
  env!: Record<string, string>;

  @Column({ name: 'workload_class', type: 'text' })
  workloadClass!: WorkloadClassName;

  @Column({ type: 'text' })
  state!: SandboxState;

  @Column({ name: 'state_reason', type: 'text', nullable: true })
  stateReason!: string | null;

  @Column({ name: 'ttl_seconds', type: 'integer' })
  ttlSeconds!: number;

  @Column({ name: 'idle_timeout_seconds', type: 'integer' })
  idleTimeoutSeconds!: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'last_activity_at', type: 'timestamptz' })
  lastActivityAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'stopped_at', type: 'timestamptz', nullable: true })
  stoppedAt!: Date | null;

  /** Usage has been recorded up to here while running. */
  @Column({ name: 'metered_until', type: 'timestamptz', nullable: true })
  meteredUntil!: Date | null;

  /**
   * Estimated cost held against the owner's wallet while active (micro-credits); the part not
   * yet metered counts, so metering settles it and ending releases it.
   */
  @Column({
    name: 'reserved_micro',
    type: 'bigint',
    transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) },
  })
  reservedMicro!: number;

  @Column({ type: 'jsonb' })
  subsidy!: SandboxSubsidy;

  /** `replica`: runs a serving replica (metered by serving, long-running command allowed). */
  @Column({ type: 'text', default: 'sandbox' })
  purpose!: SandboxPurpose;

  /** Ports inside the platform reaches (forwarded by the agent to its node's loopback). */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  ports!: number[];

  /** Where the agent forwarded `ports` at the last start. */
  @Column({ name: 'exposed_ports', type: 'jsonb', default: () => "'[]'" })
  exposedPorts!: ExposedPort[];

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
