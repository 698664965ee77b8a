import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A named policy (`subsidy`, `gateway`, `placement`): one Rego package, many versions. */
@Entity({ name: 'policies' })
export class PolicyEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  /** The Rego package every version must declare, e.g. `nanopod.subsidy`. */
  @Column({ type: 'text' })
  package!: string;

  @Column({ name: 'active_version', type: 'integer', nullable: true })
  activeVersion!: number | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
