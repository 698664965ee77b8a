import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ScalerState } from '../core/autoscaler';
import type { ServiceSpec } from '../core/service-spec';
import type { ServiceStatus } from '../core/states';

export interface ServiceSubsidy {
  tier: string;
  rate_multiplier: number;
  max_gpu_hours: number;
  decision_id: string;
  policy_version: number | null;
  /** The replica count it was decided for (absent on services from before scale-up decisions). */
  replicas?: number;
}

/** A service: its current spec (version), status, autoscaler memory. */
@Entity({ name: 'serving_services' })
export class ServiceEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId!: string;

  /** Unique among live services: it is the path of the endpoint (`/s/{name}/`). */
  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  status!: ServiceStatus;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'jsonb' })
  spec!: ServiceSpec;

  @Column({ name: 'spec_yaml', type: 'text' })
  specYaml!: string;

  @Column({ type: 'jsonb' })
  scaler!: ScalerState;

  /** The next replica id: ids only grow. */
  @Column({ name: 'next_replica_id', type: 'integer' })
  nextReplicaId!: number;

  @Column({ type: 'jsonb' })
  subsidy!: ServiceSubsidy;

  /** The last scale-from-zero wait, from the held request's arrival to its replica READY. */
  @Column({ name: 'last_cold_start_ms', type: 'integer', nullable: true })
  lastColdStartMs!: number | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'down_at', type: 'timestamptz', nullable: true })
  downAt!: Date | null;
}
