import { Injectable } from '@nestjs/common';
import { AccountRef, LedgerService, MICRO_PER_CREDIT, PostingLine } from '@nanopod/billing';
import type { EntityManager } from 'typeorm';
import { Fill } from '../core';

/** The platform's share of each sale: the same 10% billing takes from metered usage. */
export const MARKET_FEE_RATE = 0.1;

const SYSTEM = (kind: 'subsidy_pool' | 'platform_revenue'): AccountRef => ({ kind, ownerId: '' });

export interface PairSettlement {
  buyOrderId: string;
  sellOrderId: string;
  buyerId: string;
  sellerId: string;
  sellerKind: Fill['sellerKind'];
  hours: number[];
  nodeHours: number;
  listMicro: number;
  paidMicro: number;
  subsidyMicro: number;
  feeMicro: number;
}

/**
 * Groups fills by (buy, sell) and prices them: list = price per GPU-hour x GPUs per node x
 * node-hours (credits are cents); the buyer pays list x their subsidy rate, the subsidy pool
 * the rest; the seller earns list minus the platform fee.
 */
export function priceFills(
  fills: Fill[],
  gpusPerNode: number,
  rateOf: (buyOrderId: string) => number,
): PairSettlement[] {
  const pairs = new Map<string, PairSettlement>();
  for (const f of fills) {
    const key = `${f.buyOrderId}:${f.sellOrderId}`;
    let p = pairs.get(key);
    if (!p) {
      p = {
        buyOrderId: f.buyOrderId,
        sellOrderId: f.sellOrderId,
        buyerId: f.buyerId,
        sellerId: f.sellerId,
        sellerKind: f.sellerKind,
        hours: [],
        nodeHours: 0,
        listMicro: 0,
        paidMicro: 0,
        subsidyMicro: 0,
        feeMicro: 0,
      };
      pairs.set(key, p);
    }
    p.hours.push(f.hour);
    p.nodeHours += f.nodes;
    p.listMicro += f.priceCents * gpusPerNode * f.nodes * MICRO_PER_CREDIT;
  }
  for (const p of pairs.values()) {
    const rate = Math.min(1, Math.max(0, rateOf(p.buyOrderId)));
    p.paidMicro = Math.round(p.listMicro * rate);
    p.subsidyMicro = p.listMicro - p.paidMicro;
    p.feeMicro = Math.round(p.listMicro * MARKET_FEE_RATE);
  }
  return [...pairs.values()];
}

/** Posts each (buy, sell) pair once: the idempotency key is the pair, and a buy fills once. */
@Injectable()
export class SettlementService {
  constructor(private readonly ledger: LedgerService) {}

  async settle(
    manager: EntityManager,
    pair: PairSettlement,
    zone: string,
    instanceType: string,
  ): Promise<void> {
    if (pair.listMicro === 0) return;
    const wallet: AccountRef = { kind: 'user_wallet', ownerId: pair.buyerId };
    const receivable: AccountRef = { kind: 'user_receivable', ownerId: pair.buyerId };
    const seller: AccountRef =
      pair.sellerKind === 'partner'
        ? { kind: 'partner_earnings', ownerId: pair.sellerId }
        : { kind: 'user_wallet', ownerId: pair.sellerId };
    const refs = [wallet, receivable, seller, SYSTEM('subsidy_pool'), SYSTEM('platform_revenue')];
    await this.ledger.postWith(
      manager,
      {
        idempotencyKey: `market.fill:${pair.buyOrderId}:${pair.sellOrderId}`,
        kind: 'market_fill',
        userId: pair.buyerId,
        memo: `${pair.nodeHours} node-hour(s) in ${zone}/${instanceType}`,
        metadata: {
          buy_order_id: pair.buyOrderId,
          sell_order_id: pair.sellOrderId,
          first_hour: Math.min(...pair.hours),
          last_hour: Math.max(...pair.hours),
          list_micro: pair.listMicro,
        },
      },
      refs,
      (locked) => {
        const w = locked.get(`user_wallet|${pair.buyerId}`)!;
        const room =
          w.creditLimitMicro === null
            ? Number.MAX_SAFE_INTEGER
            : Math.max(0, w.balanceMicro + w.creditLimitMicro);
        // The match happened: what the wallet cannot cover is a debt on the receivable, as for
        // metered usage (the policy already weighed the balance when the order came in).
        const covered = Math.min(pair.paidMicro, room);
        const lines: PostingLine[] = [
          { account: wallet, amountMicro: -covered },
          { account: receivable, amountMicro: -(pair.paidMicro - covered) },
          { account: SYSTEM('subsidy_pool'), amountMicro: -pair.subsidyMicro },
          { account: seller, amountMicro: pair.listMicro - pair.feeMicro },
          { account: SYSTEM('platform_revenue'), amountMicro: pair.feeMicro },
        ];
        return lines;
      },
      [wallet],
    );
  }
}
