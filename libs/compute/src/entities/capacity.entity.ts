import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ClusterKind = 'federated' | 'infiniband' | 'self-managed';

/** A named pool of compute time in a zone (Clarifai's nodepool). */
@Entity({ name: 'compute_capacities' })
export class CapacityEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'owner_id', type: 'uuid' }) ownerId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) zone!: string;
  @Column({ name: 'instance_type', type: 'text' }) instanceType!: string;
  @Column({ name: 'cluster_kind', type: 'text' }) clusterKind!: ClusterKind;
  @Column({ type: 'boolean' }) spot!: boolean;
  @Column({ name: 'min_nodes', type: 'integer' }) minNodes!: number;
  @Column({ name: 'max_nodes', type: 'integer' }) maxNodes!: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
