import { Injectable } from '@nestjs/common';
import { NodesService } from '@nanopod/federation';
import { INSTANCE_TYPES, MarketService } from '@nanopod/market';

/**
 * Spot replicas and the market: spot capacity on Nanopod is the GPU time partners offer on the
 * order book (per zone and instance type, priced per GPU-hour). A service's
 * `resources.spot_max_price` is its limit; this reads where the spot price (the last trade)
 * stands against it.
 */
@Injectable()
export class SpotMarket {
  constructor(
    private readonly market: MarketService,
    private readonly nodes: NodesService,
  ) {}

  /** The market's instance types carrying this GPU type (a spec's `accelerators` type). */
  instanceTypesOf(gpuType: string): string[] {
    const want = gpuType.toLowerCase();
    return INSTANCE_TYPES.filter((t) => t.gpuModel.toLowerCase() === want).map((t) => t.name);
  }

  /**
   * The highest last-trade price per GPU-hour among this GPU's instance types in `zone`; null
   * where none has traded (no spot price, so no limit is passed).
   */
  async highestPrice(zone: string, gpuType: string): Promise<number | null> {
    let highest: number | null = null;
    for (const type of this.instanceTypesOf(gpuType)) {
      // One row read: not the book's quote (a transaction on the book the matcher locks).
      const last = await this.market.lastPrice(zone, type);
      if (last !== null && (highest === null || last > highest)) highest = last;
    }
    return highest;
  }

  /**
   * Zones with schedulable nodes where the spot price of this GPU is above `limitCents`: a new
   * spot replica keeps out of them.
   */
  async zonesAbove(gpuType: string, limitCents: number): Promise<string[]> {
    if (!this.instanceTypesOf(gpuType).length) return [];
    const zones = [...new Set((await this.nodes.schedulable()).map((n) => n.zone))];
    const above: string[] = [];
    for (const zone of zones) {
      const price = await this.highestPrice(zone, gpuType);
      if (price !== null && price > limitCents) above.push(zone);
    }
    return above;
  }
}
