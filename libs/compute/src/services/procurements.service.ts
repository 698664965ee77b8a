import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@nanopod/common';
import { UsersService } from '@nanopod/identity';
import { hourOf, HOUR_MS, MarketService, parseDurationHours } from '@nanopod/market';
import { randomUUID } from 'node:crypto';
import { planProcurement, TradeRun } from '../core';
import {
  ComputeErrorCodes,
  ComputeInvalidError,
  ComputeNotFoundError,
  NameTakenError,
} from '../compute.errors';
import { CapacityEntity } from '../entities/capacity.entity';
import { ProcurementEntity } from '../entities/procurement.entity';
import { DeploymentsRepository } from '../repositories/deployments.repository';
import { ProcurementsRepository } from '../repositories/procurements.repository';
import { CatalogService } from './catalog.service';

export interface ProcurementStatusView {
  procurement: ProcurementEntity;
  capacity: CapacityEntity;
  /** Nodes wanted and held per block of the window, from the current block. */
  need: number[];
  coverage: number[];
  nextRenewal: Date | null;
  /** Average list price paid per GPU-hour (cents) over its buys; null before any. */
  pricePaidCents: number | null;
  spendThisMonthCents: number;
}

/**
 * Procurements keep a capacity's compute time covered for the next window: buy up to the
 * max price where nodes wait for time, sell back unused time at no less than the min price.
 * Orders go through the market's public service with the capacity's id on them.
 */
@Injectable()
export class ProcurementsService {
  private readonly logger = new Logger(ProcurementsService.name);

  constructor(
    private readonly repo: ProcurementsRepository,
    private readonly deployments: DeploymentsRepository,
    private readonly catalog: CatalogService,
    private readonly market: MarketService,
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  async create(
    ownerId: string,
    input: {
      name: string;
      capacity: string;
      target: string;
      maxBuyPriceCents: number;
      minSellPriceCents: number;
      window: string;
    },
  ): Promise<ProcurementStatusView> {
    const capacity = await this.catalog.capacity(ownerId, input.capacity);
    let targetNodes: number | null = null;
    if (input.target !== 'node_count') {
      targetNodes = Number(input.target);
      if (!Number.isInteger(targetNodes) || targetNodes < 0 || targetNodes > capacity.maxNodes) {
        throw new ComputeInvalidError(
          'target',
          `must be "node_count" or a whole number from 0 to ${capacity.maxNodes}`,
        );
      }
    }
    for (const [field, v] of [
      ['max_buy_price', input.maxBuyPriceCents],
      ['min_sell_price', input.minSellPriceCents],
    ] as const) {
      if (!Number.isInteger(v) || v < 0)
        throw new ComputeInvalidError(field, 'must be a whole number of cents >= 0');
    }
    const window = parseDurationHours(input.window, 'window');
    if (!window.ok) throw new ComputeInvalidError('window', window.problem.problem);
    if (window.value > 24 * 7) throw new ComputeInvalidError('window', 'must be at most 7d');
    if (await this.repo.findOwned(ownerId, input.name))
      throw new NameTakenError('procurement', input.name);
    if (await this.repo.byCapacity(capacity.id)) {
      throw new NameTakenError('procurement on capacity', capacity.name);
    }
    const now = this.clock.now();
    const p = Object.assign(new ProcurementEntity(), {
      id: randomUUID(),
      ownerId,
      name: input.name,
      capacityId: capacity.id,
      targetKind: targetNodes === null ? 'node_count' : 'fixed',
      targetNodes,
      maxBuyPriceCents: input.maxBuyPriceCents,
      minSellPriceCents: input.minSellPriceCents,
      windowHours: window.value,
      status: 'active',
      lastTickAt: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.repo.insert(p);
    return this.status(ownerId, p.id);
  }

  async setStatus(
    ownerId: string,
    idOrName: string,
    status: ProcurementEntity['status'],
  ): Promise<ProcurementStatusView> {
    const p = await this.find(ownerId, idOrName);
    await this.repo.update(p.id, { status, updatedAt: this.clock.now() });
    return this.status(ownerId, p.id);
  }

  async list(ownerId: string): Promise<ProcurementStatusView[]> {
    const ps = await this.repo.list(ownerId);
    return Promise.all(ps.map((p) => this.status(ownerId, p.id)));
  }

  async status(ownerId: string, idOrName: string): Promise<ProcurementStatusView> {
    const p = await this.find(ownerId, idOrName);
    const capacity = await this.catalog.capacity(ownerId, p.capacityId);
    const now = this.clock.nowMs();
    const nowHour = hourOf(now);
    const [need, coverage, orders, spent] = await Promise.all([
      this.need(p, capacity),
      this.market.coverage(p.capacityId, nowHour, p.windowHours),
      this.market.ordersOfCapacity(p.capacityId),
      this.market.spendSince(p.capacityId, monthStart(now)),
    ]);
    const firstGap = need.findIndex((n, i) => coverage[i] < n);
    const lastHeld = coverage.reduce((last, c, i) => (c > 0 ? i : last), -1);
    const nextRenewal =
      firstGap >= 0
        ? new Date((nowHour + firstGap) * HOUR_MS)
        : lastHeld >= 0
          ? new Date((nowHour + lastHeld + 1) * HOUR_MS)
          : null;
    const buys = orders.filter((o) => o.side === 'buy' && o.executedNodeHours > 0);
    const gpuHours = buys.reduce((s, o) => s + o.executedNodeHours * o.gpusPerNode, 0);
    const cost = buys.reduce((s, o) => s + o.executionCostMicro, 0);
    return {
      procurement: p,
      capacity,
      need: Array.from({ length: p.windowHours }, (_, i) => need[i] ?? need[0]),
      coverage,
      nextRenewal,
      pricePaidCents: gpuHours > 0 ? cost / 1e6 / gpuHours : null,
      spendThisMonthCents: spent / 1e6,
    };
  }

  /** One pass of one procurement: cancel its resting sells, then buy gaps and sell surplus. */
  async tick(p: ProcurementEntity, now: Date): Promise<void> {
    const capacity = await this.catalog.capacity(p.ownerId, p.capacityId);
    const user = await this.users.get(p.ownerId);
    const actor = { userId: user.id, githubLogin: user.githubLogin, roles: user.roles };
    const nowHour = hourOf(now.getTime());
    for (const o of await this.market.openOrdersOfCapacity(p.capacityId)) {
      if (o.side === 'sell') await this.market.cancel(actor, o.id);
    }
    const need = await this.need(p, capacity);
    const coverage = await this.market.coverage(p.capacityId, nowHour, p.windowHours);
    const plan = planProcurement(nowHour, need, coverage);
    let error: string | null = null;
    for (const run of plan.buys) {
      try {
        await this.buy(actor, capacity, p, run, nowHour);
      } catch (err) {
        error = (err as Error).message;
        this.logger.warn({ procurementId: p.id, err: error }, 'procurement buy failed');
      }
    }
    for (const run of plan.sells) {
      await this.market.place(actor, {
        side: 'sell',
        zone: capacity.zone,
        instanceType: capacity.instanceType,
        nodes: run.nodes,
        start: startOf(run.startHour),
        duration: `${run.hours}h`,
        priceCents: p.minSellPriceCents,
        capacityId: capacity.id,
      });
    }
    await this.repo.update(p.id, { lastTickAt: now, lastError: error, updatedAt: now });
  }

  /**
   * Buys a run at no more than the max price: the whole run when the book can fill it, else
   * block by block (an immediate-or-cancel order only when a quote says it will fill, so a
   * dry book does not fill the order list with cancelled attempts).
   */
  private async buy(
    actor: { userId: string; githubLogin: string | null; roles: string[] },
    capacity: CapacityEntity,
    p: ProcurementEntity,
    run: TradeRun,
    nowHour: number,
  ): Promise<void> {
    const attempt = async (startHour: number, hours: number) => {
      const quote = await this.market.read(capacity.zone, capacity.instanceType, (b) =>
        b.quoteBuy(run.nodes, startHour, startHour + hours, actor.userId),
      );
      if (quote === null || quote > p.maxBuyPriceCents) return false;
      const o = await this.market.place(actor, {
        side: 'buy',
        zone: capacity.zone,
        instanceType: capacity.instanceType,
        nodes: run.nodes,
        start: startHour <= nowHour ? 'now' : startOf(startHour),
        duration: `${hours}h`,
        priceCents: p.maxBuyPriceCents,
        ioc: true,
        capacityId: capacity.id,
      });
      return o.status === 'filled';
    };
    if (await attempt(run.startHour, run.hours)) return;
    for (let h = run.startHour; h < run.startHour + run.hours; h++) await attempt(h, 1);
  }

  /** Nodes wanted per block: the capacity's live deployment nodes, or the fixed number. */
  private async need(p: ProcurementEntity, capacity: CapacityEntity): Promise<number[]> {
    const n =
      p.targetKind === 'fixed'
        ? (p.targetNodes ?? 0)
        : Math.min(
            capacity.maxNodes,
            (await this.deployments.liveNodesOfCapacity(capacity.id)).length,
          );
    return new Array<number>(p.windowHours).fill(Math.max(n, capacity.minNodes));
  }

  private async find(ownerId: string, idOrName: string): Promise<ProcurementEntity> {
    const p = await this.repo.findOwned(ownerId, idOrName);
    if (!p)
      throw new ComputeNotFoundError(
        ComputeErrorCodes.procurementNotFound,
        'Procurement',
        idOrName,
      );
    return p;
  }
}

const startOf = (hour: number): string => new Date(hour * HOUR_MS).toISOString();

function monthStart(ms: number): Date {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}
