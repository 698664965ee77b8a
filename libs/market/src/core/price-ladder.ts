import { BookOrder } from './order-book.types';

/** One price level: its entries in time priority (seq ascending). */
export interface Level<T> {
  price: number;
  items: T[];
}

/**
 * Entries of one side of a book slice grouped by price level, levels kept sorted (best first),
 * each level a queue in arrival order. Finding a level is a binary search over the few
 * distinct prices; adding or removing an entry touches one short level instead of shifting a
 * list of every resting order (what a sorted flat array costs).
 */
export class PriceLadder<T extends { order: BookOrder }> {
  readonly levels: Level<T>[] = [];
  private count = 0;

  /** `ascending`: asks (cheapest first); otherwise bids (highest first). */
  constructor(private readonly ascending: boolean) {}

  get size(): number {
    return this.count;
  }

  /** The best price, or NaN when empty (every comparison with NaN is false). */
  bestPrice(): number {
    return this.levels.length > 0 ? this.levels[0].price : NaN;
  }

  add(item: T): void {
    const price = item.order.priceCents;
    const i = this.find(price);
    let level = this.levels[i];
    if (!level || level.price !== price) {
      level = { price, items: [] };
      this.levels.splice(i, 0, level);
    }
    const items = level.items;
    const seq = item.order.seq;
    // Arrivals come in seq order: append. A rebuild may restore out of order.
    if (items.length === 0 || items[items.length - 1].order.seq < seq) items.push(item);
    else {
      let lo = 0;
      let hi = items.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (items[mid].order.seq < seq) lo = mid + 1;
        else hi = mid;
      }
      items.splice(lo, 0, item);
    }
    this.count++;
  }

  remove(item: T): boolean {
    const i = this.find(item.order.priceCents);
    const level = this.levels[i];
    if (!level || level.price !== item.order.priceCents) return false;
    const k = level.items.indexOf(item);
    if (k < 0) return false;
    level.items.splice(k, 1);
    if (level.items.length === 0) this.levels.splice(i, 1);
    this.count--;
    return true;
  }

  /** Index of the level with `price`, or where it would be inserted. */
  private find(price: number): number {
    const levels = this.levels;
    let lo = 0;
    let hi = levels.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = levels[mid].price;
      if (this.ascending ? p < price : p > price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
