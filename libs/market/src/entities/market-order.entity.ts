import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { OrderStatus, OwnerKind, Side } from '../core';

const bigintNumber = { to: (v: number) => v, from: (v: string | number) => Number(v) };

/** What the subsidy policy decided for a buy, kept with it: settlement charges this rate. */
export interface OrderSubsidy {
  tier: string;
  rate_multiplier: number;
  decision_id: string;
  policy_version: number | null;
}

@Entity({ name: 'market_orders' })
export class MarketOrderEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ type: 'text' }) zone!: string;
  @Column({ name: 'instance_type', type: 'text' }) instanceType!: string;
  @Column({ type: 'text' }) side!: Side;
  @Column({ name: 'owner_kind', type: 'text' }) ownerKind!: OwnerKind;
  /** The user who holds the time, or the partner whose nodes sell it. */
  @Column({ name: 'owner_id', type: 'uuid' }) ownerId!: string;
  /** Who may see and cancel it. */
  @Column({ name: 'placed_by', type: 'uuid' }) placedBy!: string;
  /** Compute's capacity this order serves (an opaque id: the market never reads capacities). */
  @Column({ name: 'capacity_id', type: 'uuid', nullable: true }) capacityId!: string | null;
  @Column({ type: 'integer' }) nodes!: number;
  @Column({ name: 'gpus_per_node', type: 'integer' }) gpusPerNode!: number;
  @Column({ name: 'start_at', type: 'timestamptz' }) startAt!: Date;
  @Column({ name: 'end_at', type: 'timestamptz' }) endAt!: Date;
  @Column({ name: 'price_cents', type: 'integer' }) priceCents!: number;
  @Column({ type: 'boolean' }) ioc!: boolean;
  @Column({ name: 'post_only', type: 'boolean' }) postOnly!: boolean;
  @Column({ type: 'text' }) status!: OrderStatus;
  @Column({ name: 'status_reason', type: 'text', nullable: true }) statusReason!: string | null;
  @Column({ type: 'bigint', transformer: bigintNumber }) seq!: number;
  @Column({ name: 'executed_node_hours', type: 'integer' }) executedNodeHours!: number;
  @Column({ name: 'execution_cost_micro', type: 'bigint', transformer: bigintNumber })
  executionCostMicro!: number;
  @Column({ type: 'jsonb', nullable: true }) subsidy!: OrderSubsidy | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
