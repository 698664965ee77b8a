import { Injectable } from '@nestjs/common';
import { Clock } from '@nanopod/common';
import { hourOf, hourStart, instanceType } from '../core';
import { DepthDto, SpotPriceDto } from '../dto/market.dto';
import { InvalidOrderError } from '../market.errors';
import { MarketService } from './market.service';

/** Read models of the market: spot price with history, depth. */
@Injectable()
export class MarketQueriesService {
  constructor(
    private readonly market: MarketService,
    private readonly clock: Clock,
  ) {}

  async price(zone: string, type: string, hours: number): Promise<SpotPriceDto> {
    this.known(type);
    const p = await this.market.price(zone, type, hours);
    return {
      zone,
      instance_type: type,
      spot_price: p.lastPriceCents,
      best_ask: p.bestAskCents,
      best_bid: p.bestBidCents,
      history: p.history
        .map((h) => ({ at: h.at.toISOString(), price: h.priceCents, nodes: h.nodes }))
        .reverse(),
    };
  }

  async depth(zone: string, type: string, at?: string): Promise<DepthDto> {
    this.known(type);
    let ms = this.clock.nowMs();
    if (at !== undefined) {
      ms = Date.parse(at);
      if (!Number.isFinite(ms))
        throw new InvalidOrderError([{ field: 'at', problem: 'is not an ISO time' }]);
    }
    const hour = hourOf(ms);
    const d = await this.market.read(zone, type, (b) => b.depth(hour));
    return {
      zone,
      instance_type: type,
      block_start: hourStart(hour).toISOString(),
      bids: d.bids.map((l) => ({ price: l.priceCents, nodes: l.nodes })),
      asks: d.asks.map((l) => ({ price: l.priceCents, nodes: l.nodes })),
    };
  }

  private known(type: string): void {
    if (!instanceType(type)) {
      throw new InvalidOrderError([
        { field: 'instance_type', problem: 'is not a known instance type' },
      ]);
    }
  }
}
