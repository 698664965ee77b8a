import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import { HOUR_MS, OrderStatus } from '../core';
import { MarketFillEntity } from '../entities/market-fill.entity';
import { MarketOrderEntity } from '../entities/market-order.entity';
import { MarketPriceEntity } from '../entities/market-price.entity';

export interface BookRow {
  version: number;
  nextSeq: number;
  lastPriceCents: number | null;
}

export interface HoldingRow {
  ownerId: string;
  hour: number;
  nodes: number;
}

export interface SoldRow {
  sellOrderId: string;
  hour: number;
  nodes: number;
}

const OPEN: OrderStatus[] = ['open'];

/** Everything one book operation reads and writes, in one transaction. */
export class BookTx {
  constructor(
    readonly manager: EntityManager,
    private readonly zone: string,
    private readonly instanceType: string,
  ) {}

  /** Creates the book row when new and locks it: one writer per book across replicas. */
  async lockBook(now: Date): Promise<BookRow> {
    await this.manager.query(
      `INSERT INTO market_books (zone, instance_type, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (zone, instance_type) DO NOTHING`,
      [this.zone, this.instanceType, now],
    );
    const [row] = (await this.manager.query(
      `SELECT version, next_seq, last_price_cents FROM market_books
        WHERE zone = $1 AND instance_type = $2 FOR UPDATE`,
      [this.zone, this.instanceType],
    )) as { version: string; next_seq: string; last_price_cents: number | null }[];
    return {
      version: Number(row.version),
      nextSeq: Number(row.next_seq),
      lastPriceCents: row.last_price_cents,
    };
  }

  async saveBook(row: BookRow, now: Date): Promise<void> {
    await this.manager.query(
      `UPDATE market_books SET version = $3, next_seq = $4, last_price_cents = $5, updated_at = $6
        WHERE zone = $1 AND instance_type = $2`,
      [this.zone, this.instanceType, row.version, row.nextSeq, row.lastPriceCents, now],
    );
  }

  openOrders(): Promise<MarketOrderEntity[]> {
    return this.manager.getRepository(MarketOrderEntity).find({
      where: { zone: this.zone, instanceType: this.instanceType, status: In(OPEN) },
      order: { seq: 'ASC' },
    });
  }

  /** Nodes of each open sell already sold, per block from `fromHour` on. */
  async soldOfOpenSells(fromHour: number): Promise<SoldRow[]> {
    const rows = (await this.manager.query(
      `SELECT f.sell_order_id, f.block_start, SUM(f.nodes)::int AS nodes
         FROM market_fills f JOIN market_orders o ON o.id = f.sell_order_id
        WHERE o.zone = $1 AND o.instance_type = $2 AND o.status = 'open' AND f.block_start >= $3
        GROUP BY f.sell_order_id, f.block_start`,
      [this.zone, this.instanceType, new Date(fromHour * HOUR_MS)],
    )) as { sell_order_id: string; block_start: Date; nodes: number }[];
    return rows.map((r) => ({
      sellOrderId: r.sell_order_id,
      hour: Math.floor(new Date(r.block_start).getTime() / HOUR_MS),
      nodes: r.nodes,
    }));
  }

  /** What each user holds per block from `fromHour` on: bought minus sold back. */
  async holdings(fromHour: number): Promise<HoldingRow[]> {
    const rows = (await this.manager.query(
      `SELECT owner_id, block_start, SUM(n)::int AS nodes FROM (
         SELECT buyer_id AS owner_id, block_start, nodes AS n FROM market_fills
          WHERE zone = $1 AND instance_type = $2 AND block_start >= $3
         UNION ALL
         SELECT seller_id, block_start, -nodes FROM market_fills
          WHERE zone = $1 AND instance_type = $2 AND block_start >= $3 AND seller_kind = 'user'
       ) h GROUP BY owner_id, block_start`,
      [this.zone, this.instanceType, new Date(fromHour * HOUR_MS)],
    )) as { owner_id: string; block_start: Date; nodes: number }[];
    return rows.map((r) => ({
      ownerId: r.owner_id,
      hour: Math.floor(new Date(r.block_start).getTime() / HOUR_MS),
      nodes: r.nodes,
    }));
  }

  async insertOrder(order: MarketOrderEntity): Promise<void> {
    await this.manager.getRepository(MarketOrderEntity).insert(order);
  }

  ordersByIds(ids: string[]): Promise<MarketOrderEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.manager.getRepository(MarketOrderEntity).findBy({ id: In(ids) });
  }

  async lockOrder(id: string): Promise<MarketOrderEntity | null> {
    return this.manager
      .getRepository(MarketOrderEntity)
      .createQueryBuilder('o')
      .setLock('pessimistic_write')
      .where('o.id = :id', { id })
      .getOne();
  }

  async updateOrder(id: string, patch: Partial<MarketOrderEntity>): Promise<void> {
    await this.manager.getRepository(MarketOrderEntity).update({ id }, patch);
  }

  async setStatus(
    ids: string[],
    status: OrderStatus,
    reason: string | null,
    now: Date,
  ): Promise<void> {
    if (ids.length === 0) return;
    await this.manager
      .getRepository(MarketOrderEntity)
      .update({ id: In(ids) }, { status, statusReason: reason, updatedAt: now });
  }

  /** Adds executed node-hours and cost to orders (both sides of the fills). */
  async addExecution(
    byOrder: Map<string, { nodeHours: number; costMicro: number }>,
    now: Date,
  ): Promise<void> {
    for (const [id, x] of byOrder) {
      await this.manager.query(
        `UPDATE market_orders SET executed_node_hours = executed_node_hours + $2,
                execution_cost_micro = execution_cost_micro + $3, updated_at = $4 WHERE id = $1`,
        [id, x.nodeHours, x.costMicro, now],
      );
    }
  }

  async insertFills(fills: Omit<MarketFillEntity, 'id'>[]): Promise<void> {
    if (fills.length === 0) return;
    // Chunks keep the bind-parameter count under PostgreSQL's limit for day-long orders.
    for (let i = 0; i < fills.length; i += 500) {
      await this.manager.getRepository(MarketFillEntity).insert(fills.slice(i, i + 500));
    }
  }

  async insertPrice(priceCents: number, nodes: number, at: Date): Promise<void> {
    await this.manager
      .getRepository(MarketPriceEntity)
      .insert({ zone: this.zone, instanceType: this.instanceType, priceCents, nodes, at });
  }
}

/** All reads and writes of the market's tables. */
@Injectable()
export class MarketRepository {
  constructor(private readonly dataSource: DataSource) {}

  inBook<T>(zone: string, instanceType: string, fn: (tx: BookTx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((m) => fn(new BookTx(m, zone, instanceType)));
  }

  findOrder(id: string): Promise<MarketOrderEntity | null> {
    return this.dataSource.getRepository(MarketOrderEntity).findOneBy({ id });
  }

  listOrders(filter: {
    placedBy?: string;
    capacityId?: string;
    status?: OrderStatus;
    limit: number;
  }): Promise<MarketOrderEntity[]> {
    return this.dataSource.getRepository(MarketOrderEntity).find({
      where: {
        ...(filter.placedBy ? { placedBy: filter.placedBy } : {}),
        ...(filter.capacityId ? { capacityId: filter.capacityId } : {}),
        ...(filter.status ? { status: filter.status } : {}),
      },
      order: { createdAt: 'DESC', seq: 'DESC' },
      take: filter.limit,
    });
  }

  /** Books with open orders, for the expiry tick. */
  async activeBooks(): Promise<{ zone: string; instanceType: string }[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT zone, instance_type FROM market_orders WHERE status = 'open'`,
    )) as { zone: string; instance_type: string }[];
    return rows.map((r) => ({ zone: r.zone, instanceType: r.instance_type }));
  }

  async bookVersion(zone: string, instanceType: string): Promise<BookRow | null> {
    const [row] = (await this.dataSource.query(
      `SELECT version, next_seq, last_price_cents FROM market_books WHERE zone = $1 AND instance_type = $2`,
      [zone, instanceType],
    )) as { version: string; next_seq: string; last_price_cents: number | null }[];
    return row
      ? {
          version: Number(row.version),
          nextSeq: Number(row.next_seq),
          lastPriceCents: row.last_price_cents,
        }
      : null;
  }

  priceHistory(
    zone: string,
    instanceType: string,
    since: Date,
    limit: number,
  ): Promise<MarketPriceEntity[]> {
    return this.dataSource
      .getRepository(MarketPriceEntity)
      .createQueryBuilder('p')
      .where('p.zone = :zone AND p.instanceType = :instanceType AND p.at >= :since', {
        zone,
        instanceType,
        since,
      })
      .orderBy('p.at', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  /**
   * Nodes a capacity holds per block in [fromHour, toHour): its filled buys minus what its
   * sells sold back.
   */
  async capacityCoverage(
    capacityId: string,
    fromHour: number,
    toHour: number,
  ): Promise<Map<number, number>> {
    const rows = (await this.dataSource.query(
      `SELECT block_start, SUM(n)::int AS nodes FROM (
         SELECT f.block_start, f.nodes AS n FROM market_fills f
           JOIN market_orders o ON o.id = f.buy_order_id
          WHERE o.capacity_id = $1 AND f.block_start >= $2 AND f.block_start < $3
         UNION ALL
         SELECT f.block_start, -f.nodes FROM market_fills f
           JOIN market_orders o ON o.id = f.sell_order_id
          WHERE o.capacity_id = $1 AND f.block_start >= $2 AND f.block_start < $3
       ) c GROUP BY block_start`,
      [capacityId, new Date(fromHour * HOUR_MS), new Date(toHour * HOUR_MS)],
    )) as { block_start: Date; nodes: number }[];
    return new Map(
      rows.map((r) => [Math.floor(new Date(r.block_start).getTime() / HOUR_MS), r.nodes]),
    );
  }

  /** What a capacity's buys cost since `since` (micro-credits, list price before subsidy). */
  async capacitySpendMicro(capacityId: string, since: Date): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT COALESCE(SUM(execution_cost_micro), 0) AS spent FROM market_orders
        WHERE capacity_id = $1 AND side = 'buy' AND created_at >= $2`,
      [capacityId, since],
    )) as { spent: string }[];
    return Number(row.spent);
  }

  /** Blocks sold beyond a sell's nodes: must always be empty. */
  async oversoldBlocks(): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM (
         SELECT f.sell_order_id, f.block_start FROM market_fills f JOIN market_orders o ON o.id = f.sell_order_id
          GROUP BY f.sell_order_id, f.block_start, o.nodes HAVING SUM(f.nodes) > o.nodes) x`,
    )) as { n: number }[];
    return row.n;
  }
}
