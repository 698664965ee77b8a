import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ProcurementStatus = 'active' | 'paused';

@Entity({ name: 'compute_procurements' })
export class ProcurementEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'owner_id', type: 'uuid' }) ownerId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'capacity_id', type: 'uuid' }) capacityId!: string;
  /** node_count: follow the capacity's live deployment nodes; fixed: targetNodes. */
  @Column({ name: 'target_kind', type: 'text' }) targetKind!: 'node_count' | 'fixed';
  @Column({ name: 'target_nodes', type: 'integer', nullable: true }) targetNodes!: number | null;
  @Column({ name: 'max_buy_price_cents', type: 'integer' }) maxBuyPriceCents!: number;
  @Column({ name: 'min_sell_price_cents', type: 'integer' }) minSellPriceCents!: number;
  @Column({ name: 'window_hours', type: 'integer' }) windowHours!: number;
  @Column({ type: 'text' }) status!: ProcurementStatus;
  @Column({ name: 'last_tick_at', type: 'timestamptz', nullable: true }) lastTickAt!: Date | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
