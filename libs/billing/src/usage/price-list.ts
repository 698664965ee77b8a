import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { UsageMetric } from './usage-recorder';

export interface Price {
  metric: UsageMetric;
  /** '' is the metric's default (any GPU type without its own price). */
  gpuType: string;
  unitPriceCredits: number;
}

const CACHE_MS = 30_000;

/**
 * List prices per metric and GPU type, in credits per unit, from `billing_prices`. Cached
 * briefly; reads go through the caller's manager because on PGlite the pool has one connection
 * and the caller holds it in its transaction.
 */
@Injectable()
export class PriceList {
  private cache: { at: number; prices: Map<string, number> } | null = null;

  async prices(m: EntityManager): Promise<Map<string, number>> {
    if (this.cache && Date.now() - this.cache.at < CACHE_MS) return this.cache.prices;
    const rows = (await m.query(
      `SELECT metric, gpu_type, unit_price_credits FROM billing_prices`,
    )) as { metric: string; gpu_type: string; unit_price_credits: string }[];
    const prices = new Map(
      rows.map((r) => [`${r.metric}|${r.gpu_type}`, Number(r.unit_price_credits)]),
    );
    this.cache = { at: Date.now(), prices };
    return prices;
  }

  /** The price of one unit, falling back to the metric's default; unknown metric: 0. */
  static unitPrice(prices: Map<string, number>, metric: string, gpuType?: string | null): number {
    if (gpuType) {
      const specific = prices.get(`${metric}|${gpuType.toLowerCase()}`);
      if (specific !== undefined) return specific;
    }
    return prices.get(`${metric}|`) ?? 0;
  }

  async list(m: EntityManager): Promise<Price[]> {
    const rows = (await m.query(
      `SELECT metric, gpu_type, unit_price_credits FROM billing_prices ORDER BY metric, gpu_type`,
    )) as { metric: UsageMetric; gpu_type: string; unit_price_credits: string }[];
    return rows.map((r) => ({
      metric: r.metric,
      gpuType: r.gpu_type,
      unitPriceCredits: Number(r.unit_price_credits),
    }));
  }

  async set(m: EntityManager, price: Price): Promise<void> {
    await m.query(
      `INSERT INTO billing_prices (metric, gpu_type, unit_price_credits, updated_at)
       VALUES ($1, $2, $3, now())
       ON CONFLICT (metric, gpu_type) DO UPDATE SET unit_price_credits = $3, updated_at = now()`,
      [price.metric, price.gpuType.toLowerCase(), price.unitPriceCredits],
    );
    this.cache = null;
  }
}
