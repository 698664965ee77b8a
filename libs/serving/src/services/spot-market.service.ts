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
   * Zones with schedulable nodes where the spot price of this GPU is above `limitCents`: a new
   * spot replica keeps out of them. A zone without trades has no spot price and is not above.
   */
  async zonesAbove(gpuType: string, limitCents: number): Promise<string[]> {
    const types = this.instanceTypesOf(gpuType);
    if (!types.length) return [];
    const zones = [...new Set((await this.nodes.schedulable()).map((n) => n.zone))];
    const above: string[] = [];
    for (const zone of zones) {
      for (const type of types) {
        const { lastPriceCents } = await this.market.price(zone, type, 0);
        if (lastPriceCents !== null && lastPriceCents > limitCents) {
          above.push(zone);
          break;
        }
      }
    }
    return above;
  }
}
