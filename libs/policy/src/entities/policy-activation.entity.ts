import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type PolicyActivationKind = 'seed' | 'activate' | 'rollback';

/** The audit of every change of a policy's active version: who, when, from, to, and the diff. */
@Entity({ name: 'policy_activations' })
export class PolicyActivationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'policy_name', type: 'text' })
  policyName!: string;

  @Column({ type: 'text' })
  kind!: PolicyActivationKind;

  @Column({ name: 'from_version', type: 'integer', nullable: true })
  fromVersion!: number | null;

  @Column({ name: 'to_version', type: 'integer' })
  toVersion!: number;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId!: string | null;

  @Column({ type: 'text' })
  message!: string;

  @Column({ type: 'text' })
  diff!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
