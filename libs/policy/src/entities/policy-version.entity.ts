import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type PolicyVersionStatus = 'draft' | 'active' | 'archived';

@Entity({ name: 'policy_versions' })
export class PolicyVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'policy_name', type: 'text' })
  policyName!: string;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'text' })
  status!: PolicyVersionStatus;

  @Column({ type: 'text' })
  source!: string;

  /** The version's `*_test.rego` module, if any. */
  @Column({ type: 'text', nullable: true })
  tests!: string | null;

  @Column({ name: 'author_id', type: 'uuid', nullable: true })
  authorId!: string | null;

  @Column({ type: 'text' })
  message!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
