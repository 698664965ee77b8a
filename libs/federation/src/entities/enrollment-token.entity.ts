import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { NodeKind, WorkloadClassName } from '../protocol/agent-protocol';

@Entity({ name: 'enrollment_tokens' })
export class EnrollmentTokenEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'partner_id', type: 'uuid' })
  partnerId!: string;

  @Column({ name: 'secret_hash', type: 'text' })
  secretHash!: string;

  @Column({ type: 'text', nullable: true })
  zone!: string | null;

  @Column({ type: 'jsonb' })
  labels!: Record<string, string>;

  /** The kind of the node that enrolls with this token (only admins issue `infiniband`). */
  @Column({ type: 'text' })
  kind!: NodeKind;

  /** Null: the kind's default classes. */
  @Column({ name: 'workload_classes', type: 'jsonb', nullable: true })
  workloadClasses!: WorkloadClassName[] | null;

  /** The enrolled node's address for forwarded replica ports (admins only); null: none. */
  @Column({ type: 'text', nullable: true })
  address!: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'used_by_node_id', type: 'uuid', nullable: true })
  usedByNodeId!: string | null;
}
