import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One logged decision: what went in, what came out, which version decided and how fast. */
@Entity({ name: 'policy_decisions' })
export class PolicyDecisionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** Insertion order, to order decisions made within the same instant. */
  @Column({ type: 'bigint', insert: false, update: false, select: false })
  seq!: string;

  @Column({ name: 'policy_name', type: 'text' })
  policyName!: string;

  @Column({ name: 'policy_version', type: 'integer', nullable: true })
  policyVersion!: number | null;

  @Column({ name: 'subject_user_id', type: 'text', nullable: true })
  subjectUserId!: string | null;

  @Column({ type: 'jsonb' })
  input!: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  result!: Record<string, unknown>;

  @Column({ type: 'boolean' })
  allow!: boolean;

  /** The evaluation error code when the decision failed closed. */
  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'latency_us', type: 'integer' })
  latencyUs!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
