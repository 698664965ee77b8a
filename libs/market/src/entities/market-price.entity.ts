import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One clearing price of a book: the marginal unit price of one match. */
@Entity({ name: 'market_prices' })
export class MarketPriceEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ type: 'text' }) zone!: string;
  @Column({ name: 'instance_type', type: 'text' }) instanceType!: string;
  @Column({ name: 'price_cents', type: 'integer' }) priceCents!: number;
  @Column({ type: 'integer' }) nodes!: number;
  @Column({ type: 'timestamptz' }) at!: Date;
}
