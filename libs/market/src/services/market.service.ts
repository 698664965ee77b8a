import { Injectable, Logger } from '@nestjs/common';
import { Clock, ConflictError, ForbiddenError, PolicyDeniedError } from '@nanopod/common';
import { PolicySubject, SubsidyDecider } from '@nanopod/policy';
import { randomUUID } from 'node:crypto';
import {
  BookOrder,
  canMoveOrder,
  checkOrder,
  Fill,
  hourOf,
  hourStart,
  HOUR_MS,
  OrderAsk,
  OrderBook,
  OrderSpec,
} from '../core';
import { MarketOrderEntity, OrderSubsidy } from '../entities/market-order.entity';
import { InvalidOrderError, MarketErrorCodes, OrderNotFoundError } from '../market.errors';
import { BookRow, BookTx, MarketRepository } from '../repositories/market.repository';
import { BookCache, bookKey } from './book-cache';
import { MarketEvents } from './market-events';
import { priceFills, SettlementService } from './settlement.service';

/** Who places an order: the policy's subject (roles decide who may sell for a partner). */
export type MarketActor = PolicySubject;

export interface PlaceOrderInput extends OrderAsk {
  /** Admins sell a partner's node time; everyone else trades as themselves. */
  partnerId?: string | null;
  /** The compute capacity this order serves (opaque to the market). */
  capacityId?: string | null;
}

/**
 * Orders: checked (422 with the field), decided by the subsidy policy (buys), matched on the
 * book, and persisted with their fills and settlement in one transaction per book.
 */
@Injectable()
export class MarketService {
  private readonly logger = new Logger(MarketService.name);

  constructor(
    private readonly repo: MarketRepository,
    private readonly cache: BookCache,
    private readonly settlement: SettlementService,
    private readonly decider: SubsidyDecider,
    private readonly events: MarketEvents,
    private readonly clock: Clock,
  ) {}

  async place(actor: MarketActor, input: PlaceOrderInput): Promise<MarketOrderEntity> {
    const nowMs = this.clock.nowMs();
    const { spec, problems } = checkOrder(input, nowMs);
    if (!spec) throw new InvalidOrderError(problems);
    const partnerId = input.partnerId ?? null;
    if (partnerId && !actor.roles.includes('admin')) {
      throw new ForbiddenError(MarketErrorCodes.adminRequired, 'Only admins sell for a partner');
    }
    if (partnerId && spec.side !== 'sell') {
      throw new InvalidOrderError([
        { field: 'partner_id', problem: 'only sells are placed for a partner' },
      ]);
    }
    const subsidy = spec.side === 'buy' ? await this.decide(actor, spec) : null;
    const id = randomUUID();
    const key = bookKey(spec.zone, spec.type.name);
    await this.withBook(spec.zone, spec.type.name, async (tx, book, row, now) => {
      const seq = row.nextSeq;
      row.nextSeq += 1;
      const entity: MarketOrderEntity = Object.assign(new MarketOrderEntity(), {
        id,
        zone: spec.zone,
        instanceType: spec.type.name,
        side: spec.side,
        ownerKind: partnerId ? 'partner' : 'user',
        ownerId: partnerId ?? actor.userId,
        placedBy: actor.userId,
        capacityId: input.capacityId ?? null,
        nodes: spec.nodes,
        gpusPerNode: spec.type.gpuCount,
        startAt: hourStart(spec.startHour),
        endAt: hourStart(spec.endHour),
        priceCents: spec.priceCents,
        ioc: spec.ioc,
        postOnly: spec.postOnly,
        status: 'pending',
        statusReason: null,
        seq,
        executedNodeHours: 0,
        executionCostMicro: 0,
        subsidy,
        createdAt: now,
        updatedAt: now,
      });
      await tx.insertOrder(entity);
      const result = book.place(toBookOrder(entity));
      await tx.setStatus([id], result.status, result.reason, now);
      await this.record(tx, row, spec.type.gpuCount, result.fills, now, {
        filledIds: [...result.filledBuyIds, ...result.filledSellIds],
        clearing: result.clearingPriceCents,
        incoming: entity,
      });
    });
    this.logger.log({ orderId: id, book: key }, 'order placed');
    return (await this.repo.findOrder(id))!;
  }

  async cancel(actor: MarketActor, id: string): Promise<MarketOrderEntity> {
    const order = await this.get(actor, id);
    await this.withBook(order.zone, order.instanceType, async (tx, book, _row, now) => {
      const locked = await tx.lockOrder(id);
      if (!locked || !canMoveOrder(locked.status, 'cancelled')) {
        throw new ConflictError(
          MarketErrorCodes.notCancellable,
          `Order ${id} is ${locked?.status}`,
          {
            status: locked?.status,
          },
        );
      }
      book.cancel(id);
      await tx.setStatus([id], 'cancelled', 'cancelled_by_user', now);
    });
    return (await this.repo.findOrder(id))!;
  }

  /** An order the actor placed (admins see all); anyone else's is a 404. */
  async get(actor: MarketActor, id: string): Promise<MarketOrderEntity> {
    const order = await this.repo.findOrder(id);
    if (!order || (order.placedBy !== actor.userId && !actor.roles.includes('admin'))) {
      throw new OrderNotFoundError(id);
    }
    return order;
  }

  list(
    actor: MarketActor,
    filter: { status?: MarketOrderEntity['status']; capacityId?: string; limit?: number },
  ): Promise<MarketOrderEntity[]> {
    return this.repo.listOrders({ ...filter, placedBy: actor.userId, limit: filter.limit ?? 100 });
  }

  /** Orders of a capacity, newest first, for compute (which checked the capacity's owner). */
  ordersOfCapacity(capacityId: string, limit = 200): Promise<MarketOrderEntity[]> {
    return this.repo.listOrders({ capacityId, limit });
  }

  /**
   * Every open order of a capacity, however old: what a procurement re-places each tick (the
   * newest few hundred of any status would miss an old resting sell, which would then never
   * be cancelled).
   */
  openOrdersOfCapacity(capacityId: string): Promise<MarketOrderEntity[]> {
    return this.repo.listOrders({ capacityId, status: 'open', limit: 10_000 });
  }

  /** Expires past blocks on every book with open orders (the market tick). */
  async expireAll(): Promise<void> {
    for (const b of await this.repo.activeBooks()) {
      await this.withBook(b.zone, b.instanceType, async () => undefined, false);
    }
  }

  /** The current book (expired blocks removed) for read-only questions: depth, quotes. */
  async read<T>(zone: string, instanceType: string, fn: (book: OrderBook) => T): Promise<T> {
    let out!: T;
    await this.withBook(
      zone,
      instanceType,
      async (_tx, book) => {
        out = fn(book);
      },
      false,
    );
    return out;
  }

  async price(zone: string, instanceType: string, historyHours: number) {
    const nowMs = this.clock.nowMs();
    const h = hourOf(nowMs);
    const [row, history, depth] = await Promise.all([
      this.repo.bookVersion(zone, instanceType),
      this.repo.priceHistory(zone, instanceType, new Date(nowMs - historyHours * HOUR_MS), 1000),
      this.read(zone, instanceType, (b) => b.depth(h, 1)),
    ]);
    return {
      lastPriceCents: row?.lastPriceCents ?? null,
      bestAskCents: depth.asks[0]?.priceCents ?? null,
      bestBidCents: depth.bids[0]?.priceCents ?? null,
      history,
    };
  }

  /** Nodes held per block for a capacity, from `fromHour` for `hours` blocks. */
  async coverage(capacityId: string, fromHour: number, hours: number): Promise<number[]> {
    const byHour = await this.repo.capacityCoverage(capacityId, fromHour, fromHour + hours);
    return Array.from({ length: hours }, (_, i) => byHour.get(fromHour + i) ?? 0);
  }

  /** The spot price (the last trade) of a book, in cents per GPU-hour; null before any trade. */
  async lastPrice(zone: string, instanceType: string): Promise<number | null> {
    return (await this.repo.bookVersion(zone, instanceType))?.lastPriceCents ?? null;
  }

  spendSince(capacityId: string, since: Date): Promise<number> {
    return this.repo.capacitySpendMicro(capacityId, since);
  }

  /** Integrity check: blocks sold beyond a sell's nodes (always 0). */
  oversoldBlocks(): Promise<number> {
    return this.repo.oversoldBlocks();
  }

  private async decide(actor: MarketActor, spec: OrderSpec): Promise<OrderSubsidy> {
    const gpuHours = spec.nodes * spec.type.gpuCount * (spec.endHour - spec.startHour);
    const decision = await this.decider.decide(actor, {
      kind: 'order',
      workload_class: 'latency_tolerant',
      gpus: spec.nodes * spec.type.gpuCount,
      gpu_type: spec.type.gpuModel,
      cpu: spec.type.cpu * spec.nodes,
      memory_mb: spec.type.memoryMb * spec.nodes,
      estimated_gpu_hours: gpuHours,
      estimated_cost: gpuHours * spec.priceCents,
      node_kind: 'federated',
    });
    if (!decision.allow) {
      throw new PolicyDeniedError(
        MarketErrorCodes.policyDenied,
        'The subsidy policy denied this order',
        {
          reasons: decision.reasons,
          tier: decision.tier,
          decision_id: decision.decision_id,
          policy_version: decision.policy_version,
        },
      );
    }
    return {
      tier: decision.tier,
      rate_multiplier: decision.rate_multiplier,
      decision_id: decision.decision_id,
      policy_version: decision.policy_version,
    };
  }

  /**
   * One operation on a book: serialized here, the book row locked in the database, the
   * in-memory book rebuilt when another replica moved it, past blocks expired, then `fn`.
   * A failure drops the cached book (it may hold what was rolled back).
   */
  private async withBook(
    zone: string,
    instanceType: string,
    fn: (tx: BookTx, book: OrderBook, row: BookRow, now: Date) => Promise<void>,
    mutates = true,
  ): Promise<void> {
    const key = bookKey(zone, instanceType);
    const emitted: number[] = [];
    await this.cache.serialize(key, async () => {
      try {
        await this.repo.inBook(zone, instanceType, async (tx) => {
          const now = this.clock.now();
          const row = await tx.lockBook(now);
          const nowHour = hourOf(now.getTime());
          const book = this.cache.get(key, row.version) ?? (await this.rebuild(tx, nowHour));
          const before = row.lastPriceCents;
          const expired = book.expire(nowHour);
          await tx.setStatus(expired.expiredBuyIds, 'expired', 'window_started_unfilled', now);
          await this.endSells(tx, expired.endedSellIds, now);
          await fn(tx, book, row, now);
          // Reads that expired nothing leave the version alone: other replicas' books stay valid.
          const changed = mutates || expired.expiredBuyIds.length + expired.endedSellIds.length > 0;
          if (changed) {
            row.version += 1;
            await tx.saveBook(row, now);
          }
          this.cache.set(key, book, row.version);
          if (row.lastPriceCents !== null && row.lastPriceCents !== before)
            emitted.push(row.lastPriceCents);
        });
      } catch (err) {
        this.cache.drop(key);
        throw err;
      }
    });
    for (const priceCents of emitted) {
      this.events.emitSpotPrice({ zone, instanceType, priceCents, at: this.clock.now() });
    }
  }

  private async rebuild(tx: BookTx, nowHour: number): Promise<OrderBook> {
    const book = new OrderBook();
    const [open, sold, holdings] = await Promise.all([
      tx.openOrders(),
      tx.soldOfOpenSells(nowHour),
      tx.holdings(nowHour),
    ]);
    const soldBy = new Map<string, number>();
    for (const s of sold) soldBy.set(`${s.sellOrderId}@${s.hour}`, s.nodes);
    for (const h of holdings) book.restoreHolding(h.ownerId, h.hour, h.nodes);
    for (const o of open) {
      const b = toBookOrder(o);
      if (b.side === 'sell') {
        const remaining: number[] = [];
        for (let h = b.startHour; h < b.endHour; h++) {
          remaining.push(h < nowHour ? 0 : b.nodes - (soldBy.get(`${o.id}@${h}`) ?? 0));
        }
        book.restore({ order: b, remaining });
      } else book.restore({ order: b });
    }
    return book;
  }

  private async endSells(tx: BookTx, ids: string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    const orders = await tx.ordersByIds(ids);
    const sold = orders
      .filter((o) => o.executedNodeHours >= o.nodes * spanHours(o))
      .map((o) => o.id);
    const unsold = orders.filter((o) => !sold.includes(o.id)).map((o) => o.id);
    await tx.setStatus(sold, 'filled', null, now);
    await tx.setStatus(unsold, 'expired', 'window_ended', now);
  }

  /** Fills, their settlement, statuses of orders they completed, and the clearing price. */
  private async record(
    tx: BookTx,
    row: { lastPriceCents: number | null },
    gpusPerNode: number,
    fills: Fill[],
    now: Date,
    done: { filledIds: string[]; clearing: number | null; incoming: MarketOrderEntity },
  ): Promise<void> {
    if (fills.length === 0) return;
    const buyIds = [...new Set(fills.map((f) => f.buyOrderId))];
    const buys = new Map(
      (await tx.ordersByIds(buyIds.filter((b) => b !== done.incoming.id))).map((o) => [o.id, o]),
    );
    buys.set(done.incoming.id, done.incoming);
    await tx.insertFills(
      fills.map((f) => ({
        zone: done.incoming.zone,
        instanceType: done.incoming.instanceType,
        buyOrderId: f.buyOrderId,
        sellOrderId: f.sellOrderId,
        buyerId: f.buyerId,
        sellerKind: f.sellerKind,
        sellerId: f.sellerId,
        blockStart: hourStart(f.hour),
        nodes: f.nodes,
        priceCents: f.priceCents,
        gpusPerNode,
        createdAt: now,
      })),
    );
    const pairs = priceFills(fills, gpusPerNode, (b) => buys.get(b)?.subsidy?.rate_multiplier ?? 1);
    const execution = new Map<string, { nodeHours: number; costMicro: number }>();
    const add = (id: string, nodeHours: number, costMicro: number) => {
      const x = execution.get(id) ?? { nodeHours: 0, costMicro: 0 };
      x.nodeHours += nodeHours;
      x.costMicro += costMicro;
      execution.set(id, x);
    };
    for (const p of pairs) {
      add(p.buyOrderId, p.nodeHours, p.listMicro);
      add(p.sellOrderId, p.nodeHours, p.listMicro);
      await this.settlement.settle(tx.manager, p, done.incoming.zone, done.incoming.instanceType);
    }
    await tx.addExecution(execution, now);
    await tx.setStatus(
      done.filledIds.filter((id) => id !== done.incoming.id),
      'filled',
      null,
      now,
    );
    if (done.clearing !== null) {
      const nodeHours = fills.reduce((s, f) => s + f.nodes, 0);
      await tx.insertPrice(done.clearing, nodeHours, now);
      row.lastPriceCents = done.clearing;
    }
  }
}

function spanHours(o: MarketOrderEntity): number {
  return Math.round((o.endAt.getTime() - o.startAt.getTime()) / HOUR_MS);
}

function toBookOrder(o: MarketOrderEntity): BookOrder {
  return {
    id: o.id,
    seq: o.seq,
    side: o.side,
    ownerId: o.ownerId,
    ownerKind: o.ownerKind,
    nodes: o.nodes,
    startHour: hourOf(o.startAt.getTime()),
    endHour: hourOf(o.endAt.getTime()),
    priceCents: o.priceCents,
    flags: { ioc: o.ioc, postOnly: o.postOnly },
  };
}
