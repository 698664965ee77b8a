import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { OwnerKind } from '../core';

/** One block of a buy served by one sell. */
@Entity({ name: 'market_fills' })
export class MarketFillEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ type: 'text' }) zone!: string;
  @Column({ name: 'instance_type', type: 'text' }) instanceType!: string;
  @Column({ name: 'buy_order_id', type: 'uuid' }) buyOrderId!: string;
  @Column({ name: 'sell_order_id', type: 'uuid' }) sellOrderId!: string;
  @Column({ name: 'buyer_id', type: 'uuid' }) buyerId!: string;
  @Column({ name: 'seller_kind', type: 'text' }) sellerKind!: OwnerKind;
  @Column({ name: 'seller_id', type: 'uuid' }) sellerId!: string;
  @Column({ name: 'block_start', type: 'timestamptz' }) blockStart!: Date;
  @Column({ type: 'integer' }) nodes!: number;
  @Column({ name: 'price_cents', type: 'integer' }) priceCents!: number;
  @Column({ name: 'gpus_per_node', type: 'integer' }) gpusPerNode!: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
