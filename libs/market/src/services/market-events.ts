import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

export interface SpotPriceEvent {
  zone: string;
  instanceType: string;
  priceCents: number;
  at: Date;
}

/**
 * What the market tells the contexts above it (compute listens for price moves to interrupt
 * spot holders whose limit the price passed). In process: every replica matches its own
 * orders and emits for them.
 */
@Injectable()
export class MarketEvents {
  private readonly emitter = new EventEmitter();

  onSpotPrice(fn: (e: SpotPriceEvent) => void | Promise<void>): () => void {
    const h = (e: SpotPriceEvent) => void fn(e);
    this.emitter.on('spot', h);
    return () => this.emitter.off('spot', h);
  }

  emitSpotPrice(e: SpotPriceEvent): void {
    this.emitter.emit('spot', e);
  }
}
