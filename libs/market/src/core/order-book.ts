import {
  BookOrder,
  Depth,
  DepthLevel,
  Fill,
  OrderStatus,
  PlaceResult,
  RestingOrder,
} from './order-book.types';
import { PriceLadder } from './price-ladder';

interface SellEntry {
  order: BookOrder;
  /** Unsold nodes per hour block, index 0 = order.startHour. */
  remaining: number[];
  /** Sum of `remaining`: zero when every block is sold (or past). */
  unsold: number;
}

interface BidEntry {
  order: BookOrder;
}

interface Take {
  entry: SellEntry;
  hour: number;
  nodes: number;
}

/** (price desc, seq asc): the highest, then the oldest, buy is served first. */
const bidOrder = (a: BidEntry, b: BidEntry): number =>
  b.order.priceCents - a.order.priceCents || a.order.seq - b.order.seq;

/**
 * The order book of one (zone, instance type): price-time priority over hour blocks.
 *
 * A buy needs `nodes` in every block of its window and fills all at once or not at all (a
 * reservation with a gap is no reservation); it may take each block from different sells. A
 * sell offers `nodes` in each block of its window and is sold block by block. A block's node is
 * sold once: each sell keeps its unsold count per block, and matching only lowers it.
 *
 * Invariant after every call: no resting buy could fill against the resting sells. So a sell's
 * arrival can only complete buys that use that sell, and matching stops once it is sold out.
 * A unit trades at the price of the order that rested first (the maker). Framework-free and
 * synchronous: the market service persists what it returns.
 *
 * Indexes: asks per hour block as a price ladder (levels cheapest first, each a queue by
 * arrival), so a buy reads the best ask of a block at once and walks only the levels it can
 * pay; resting buys per start hour as price ladders (highest first), so a sell's arrival
 * visits only buys that start within its window (or up to the longest resting buy before it)
 * and can pay its price, instead of every resting buy.
 *
 * ```ts
 * const book = new OrderBook();
 * book.place({ id: 's1', seq: 1, side: 'sell', ownerId: 'p', ownerKind: 'partner', nodes: 4,
 *   startHour: h, endHour: h + 24, priceCents: 150, flags: { ioc: false, postOnly: false } });
 * book.place({ ...buy, nodes: 2, startHour: h + 5, endHour: h + 29, priceCents: 200 }); // open
 * ```
 */
export class OrderBook {
  private readonly asksByHour = new Map<number, PriceLadder<SellEntry>>();
  private readonly sells = new Map<string, SellEntry>();
  private readonly bidsByStart = new Map<number, PriceLadder<BidEntry>>();
  private readonly bids = new Map<string, BidEntry>();
  /** At least the longest window of a resting buy: how far before a sell a buy may start. */
  private maxBidSpan = 0;
  /** User holdings per hour (bought minus sold back), and what their open sells commit. */
  private readonly held = new Map<string, Map<number, number>>();
  private readonly committed = new Map<string, Map<number, number>>();

  get size(): number {
    return this.sells.size + this.bids.size;
  }

  has(orderId: string): boolean {
    return this.sells.has(orderId) || this.bids.has(orderId);
  }

  place(order: BookOrder): PlaceResult {
    if (this.has(order.id)) throw new Error(`order ${order.id} is already on the book`);
    return order.side === 'buy' ? this.placeBuy(order) : this.placeSell(order);
  }

  /** Puts back a resting order without matching (rebuilding a book from storage). */
  restore(resting: RestingOrder): void {
    const { order } = resting;
    if (order.side === 'buy') {
      this.addBid(order);
      return;
    }
    const span = order.endHour - order.startHour;
    const remaining = resting.remaining
      ? resting.remaining.slice()
      : new Array<number>(span).fill(order.nodes);
    const entry = { order, remaining, unsold: sum(remaining) };
    this.addSell(entry);
    if (order.ownerKind === 'user') {
      for (let i = 0; i < span; i++)
        bump(this.committed, order.ownerId, order.startHour + i, remaining[i]);
    }
  }

  /** Records time a user holds (their filled buys minus their filled sells), for rebuilds. */
  restoreHolding(ownerId: string, hour: number, nodes: number): void {
    bump(this.held, ownerId, hour, nodes);
  }

  /** Removes a resting order; returns whether it was there. */
  cancel(orderId: string): boolean {
    const sell = this.sells.get(orderId);
    if (sell) {
      this.dropSell(sell, true);
      return true;
    }
    const bid = this.bids.get(orderId);
    if (!bid) return false;
    this.dropBid(bid);
    return true;
  }

  /**
   * Blocks before `nowHour` cannot be sold any more. Buys whose window has begun unfilled
   * expire; sells lose their past blocks and leave once none is left. Returns the ids that left.
   */
  expire(nowHour: number): { expiredBuyIds: string[]; endedSellIds: string[] } {
    const expiredBuyIds: string[] = [];
    for (const [start, ladder] of this.bidsByStart) {
      if (start >= nowHour) continue;
      this.bidsByStart.delete(start);
      for (const level of ladder.levels) {
        for (const b of level.items) {
          expiredBuyIds.push(b.order.id);
          this.bids.delete(b.order.id);
        }
      }
    }
    if (this.bids.size === 0) this.maxBidSpan = 0;
    const endedSellIds: string[] = [];
    for (const [hour, ladder] of this.asksByHour) {
      if (hour >= nowHour) continue;
      this.asksByHour.delete(hour);
      for (const level of ladder.levels) {
        for (const e of level.items) {
          const idx = hour - e.order.startHour;
          if (e.order.ownerKind === 'user')
            bump(this.committed, e.order.ownerId, hour, -e.remaining[idx]);
          e.unsold -= e.remaining[idx];
          e.remaining[idx] = 0;
        }
      }
    }
    for (const hours of this.held.values()) {
      for (const hour of hours.keys()) if (hour < nowHour) hours.delete(hour);
    }
    for (const [id, e] of this.sells) {
      if (e.order.endHour <= nowHour) {
        this.sells.delete(id);
        endedSellIds.push(id);
      }
    }
    return { expiredBuyIds, endedSellIds };
  }

  /** Nodes offered per price level (asks) and wanted (bids) for one hour block. */
  depth(hour: number, levels = 20): Depth {
    const asks: DepthLevel[] = [];
    for (const level of this.asksByHour.get(hour)?.levels ?? []) {
      if (asks.length >= levels) break;
      let n = 0;
      for (const e of level.items) n += e.remaining[hour - e.order.startHour];
      if (n > 0) asks.push({ priceCents: level.price, nodes: n });
    }
    const wanted = new Map<number, number>();
    this.forBidsStartingIn(hour - this.maxBidSpan + 1, hour + 1, (ladder) => {
      for (const level of ladder.levels) {
        for (const b of level.items) {
          if (b.order.endHour <= hour) continue;
          wanted.set(level.price, (wanted.get(level.price) ?? 0) + b.order.nodes);
        }
      }
    });
    const bids = [...wanted.entries()]
      .sort(([a], [b]) => b - a)
      .slice(0, levels)
      .map(([priceCents, nodes]) => ({ priceCents, nodes }));
    return { hour, bids, asks };
  }

  /** Lowest limit at which `nodes` could be bought for [startHour, endHour) now; null: not at any. */
  quoteBuy(
    nodes: number,
    startHour: number,
    endHour: number,
    excludeOwner?: string,
  ): number | null {
    let worst = 0;
    for (let h = startHour; h < endHour; h++) {
      let need = nodes;
      const ladder = this.asksByHour.get(h);
      if (ladder) {
        scan: for (const level of ladder.levels) {
          for (const e of level.items) {
            if (e.order.ownerId === excludeOwner) continue;
            need -= e.remaining[h - e.order.startHour];
            if (need <= 0) {
              worst = Math.max(worst, level.price);
              break scan;
            }
          }
        }
      }
      if (need > 0) return null;
    }
    return worst;
  }

  /** Hours of `ownerId`'s held time not yet offered back, per block in [startHour, endHour). */
  freeHolding(ownerId: string, startHour: number, endHour: number): number[] {
    const out: number[] = [];
    for (let h = startHour; h < endHour; h++) {
      out.push((this.held.get(ownerId)?.get(h) ?? 0) - (this.committed.get(ownerId)?.get(h) ?? 0));
    }
    return out;
  }

  private placeBuy(order: BookOrder): PlaceResult {
    const takes = this.planBuy(order);
    if (takes && order.flags.postOnly) return result('rejected', 'would_match');
    if (takes) {
      const fills = this.commit(order, takes);
      return {
        ...result('filled', null),
        fills,
        filledSellIds: this.soldOut(takes),
        clearingPriceCents: maxPrice(fills),
      };
    }
    if (order.flags.ioc) return result('cancelled', 'ioc_unfilled');
    this.addBid(order);
    return result('open', null);
  }

  private placeSell(order: BookOrder): PlaceResult {
    const span = order.endHour - order.startHour;
    if (order.ownerKind === 'user') {
      const free = this.freeHolding(order.ownerId, order.startHour, order.endHour);
      if (free.some((n) => n < order.nodes)) return result('rejected', 'not_held');
    }
    const entry: SellEntry = {
      order,
      // A plain array of small integers: cheaper to allocate than a typed array.
      remaining: new Array<number>(span).fill(order.nodes),
      unsold: span * order.nodes,
    };
    // Only buys that overlap this sell, can pay its price and whose every block would have an
    // ask they can pay (with this sell listed) can become fillable; served in price-time
    // priority. Found before the sell is listed, so a sell that completes nothing is listed
    // once (or, immediate-or-cancel, never).
    const candidates: BidEntry[] = [];
    this.forBidsStartingIn(order.startHour - this.maxBidSpan + 1, order.endHour, (ladder) => {
      for (const level of ladder.levels) {
        if (level.price < order.priceCents) break;
        for (const b of level.items) {
          const bid = b.order;
          if (bid.endHour <= order.startHour || bid.ownerId === order.ownerId) continue;
          if (this.bestAsksWithin(bid, order)) candidates.push(b);
        }
      }
    });
    if (candidates.length === 0 && order.flags.ioc) return result('cancelled', 'ioc_unfilled');
    this.addSell(entry);
    if (order.ownerKind === 'user') {
      for (let h = order.startHour; h < order.endHour; h++)
        bump(this.committed, order.ownerId, h, order.nodes);
    }
    const fills: Fill[] = [];
    const filledBuyIds: string[] = [];
    const touched: Take[] = [];
    if (candidates.length > 1) candidates.sort(bidOrder);
    for (const b of candidates) {
      const bid = b.order;
      const takes = this.planBuy(bid);
      if (!takes) continue;
      if (order.flags.postOnly) {
        this.dropSell(entry, true);
        return result('rejected', 'would_match');
      }
      fills.push(...this.commit(bid, takes));
      touched.push(...takes);
      filledBuyIds.push(bid.id);
      this.dropBid(b);
      if (entry.unsold === 0) break;
    }
    const soldOut = entry.unsold === 0;
    let status: OrderStatus = soldOut ? 'filled' : 'open';
    if (!soldOut && order.flags.ioc) {
      // What sold stays sold; the rest of an immediate-or-cancel sell leaves.
      this.dropSell(entry, true);
      status = 'cancelled';
    }
    return {
      status,
      reason: status === 'cancelled' ? 'ioc_unfilled' : null,
      fills,
      filledBuyIds,
      filledSellIds: this.soldOut(touched).filter((id) => id !== order.id),
      clearingPriceCents: maxPrice(fills),
    };
  }

  /**
   * Whether every block of the buy's window has a best ask at or under its limit, counting
   * `arriving` (a sell not listed yet) in its blocks.
   */
  private bestAsksWithin(buy: BookOrder, arriving: BookOrder | null = null): boolean {
    for (let h = buy.startHour; h < buy.endHour; h++) {
      const ladder = this.asksByHour.get(h);
      // NaN (no ladder, or an empty one) fails every comparison: no ask.
      let best = ladder ? ladder.bestPrice() : NaN;
      if (arriving && h >= arriving.startHour && h < arriving.endHour) {
        if (!(best <= arriving.priceCents)) best = arriving.priceCents;
      }
      if (!(best <= buy.priceCents)) return false;
    }
    return true;
  }

  /**
   * Which sells would serve `buy`, block by block, cheapest and oldest first; null when some
   * block lacks nodes.
   */
  private planBuy(buy: BookOrder): Take[] | null {
    // Cheap refusal first: a block whose best ask is above the limit (the common case when a
    // sell's arrival revisits resting buys) ends the plan before anything is allocated.
    if (!this.bestAsksWithin(buy)) return null;
    const takes: Take[] = [];
    for (let h = buy.startHour; h < buy.endHour; h++) {
      let need = buy.nodes;
      const levels = this.asksByHour.get(h)!.levels;
      for (let l = 0; l < levels.length && need > 0; l++) {
        const level = levels[l];
        if (level.price > buy.priceCents) break;
        const items = level.items;
        for (let k = 0; k < items.length && need > 0; k++) {
          const e = items[k];
          if (e.order.ownerId === buy.ownerId) continue;
          const left = e.remaining[h - e.order.startHour];
          if (left <= 0) continue;
          const n = left < need ? left : need;
          takes.push({ entry: e, hour: h, nodes: n });
          need -= n;
        }
      }
      if (need > 0) return null;
    }
    return takes;
  }

  private commit(buy: BookOrder, takes: Take[]): Fill[] {
    const fills: Fill[] = [];
    for (const t of takes) {
      const sell = t.entry.order;
      const idx = t.hour - sell.startHour;
      t.entry.remaining[idx] -= t.nodes;
      t.entry.unsold -= t.nodes;
      if (t.entry.remaining[idx] === 0) this.unlistAsk(t.hour, t.entry);
      bump(this.held, buy.ownerId, t.hour, t.nodes);
      if (sell.ownerKind === 'user') {
        bump(this.held, sell.ownerId, t.hour, -t.nodes);
        bump(this.committed, sell.ownerId, t.hour, -t.nodes);
      }
      fills.push({
        buyOrderId: buy.id,
        sellOrderId: sell.id,
        buyerId: buy.ownerId,
        sellerId: sell.ownerId,
        sellerKind: sell.ownerKind,
        hour: t.hour,
        nodes: t.nodes,
        priceCents: sell.seq < buy.seq ? sell.priceCents : buy.priceCents,
      });
    }
    return fills;
  }

  /** Sells among `takes` with no unsold block left; they leave the book. */
  private soldOut(takes: Take[]): string[] {
    const out: string[] = [];
    for (const t of takes) {
      const e = t.entry;
      if (e.unsold === 0 && this.sells.get(e.order.id) === e) {
        this.sells.delete(e.order.id);
        out.push(e.order.id);
      }
    }
    return out;
  }

  /** Calls `fn` with the buy ladder of every start hour in [from, to) that has one. */
  private forBidsStartingIn(
    from: number,
    to: number,
    fn: (ladder: PriceLadder<BidEntry>) => void,
  ): void {
    if (this.bids.size === 0 || to <= from) return;
    if (to - from <= this.bidsByStart.size) {
      for (let h = from; h < to; h++) {
        const ladder = this.bidsByStart.get(h);
        if (ladder) fn(ladder);
      }
      return;
    }
    // Fewer start hours on the book than in the range: walk the book instead.
    for (const [h, ladder] of this.bidsByStart) if (h >= from && h < to) fn(ladder);
  }

  private addBid(order: BookOrder): void {
    const entry: BidEntry = { order };
    this.bids.set(order.id, entry);
    let ladder = this.bidsByStart.get(order.startHour);
    if (!ladder) this.bidsByStart.set(order.startHour, (ladder = new PriceLadder(false)));
    ladder.add(entry);
    const span = order.endHour - order.startHour;
    if (span > this.maxBidSpan) this.maxBidSpan = span;
  }

  private dropBid(entry: BidEntry): void {
    const { order } = entry;
    this.bids.delete(order.id);
    const ladder = this.bidsByStart.get(order.startHour);
    if (ladder) {
      ladder.remove(entry);
      if (ladder.size === 0) this.bidsByStart.delete(order.startHour);
    }
    if (this.bids.size === 0) this.maxBidSpan = 0;
  }

  private addSell(entry: SellEntry): void {
    this.sells.set(entry.order.id, entry);
    for (let h = entry.order.startHour; h < entry.order.endHour; h++) {
      if (entry.remaining[h - entry.order.startHour] <= 0) continue;
      let ladder = this.asksByHour.get(h);
      if (!ladder) this.asksByHour.set(h, (ladder = new PriceLadder(true)));
      ladder.add(entry);
    }
  }

  private unlistAsk(hour: number, entry: SellEntry): void {
    const ladder = this.asksByHour.get(hour);
    if (!ladder) return;
    ladder.remove(entry);
    if (ladder.size === 0) this.asksByHour.delete(hour);
  }

  private dropSell(entry: SellEntry, releaseCommitment: boolean): void {
    this.sells.delete(entry.order.id);
    const o = entry.order;
    for (let h = o.startHour; h < o.endHour; h++) {
      const left = entry.remaining[h - o.startHour];
      if (left <= 0) continue;
      this.unlistAsk(h, entry);
      if (releaseCommitment && o.ownerKind === 'user') bump(this.committed, o.ownerId, h, -left);
    }
  }
}

function sum(xs: number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
}

function bump(
  map: Map<string, Map<number, number>>,
  owner: string,
  hour: number,
  by: number,
): void {
  if (by === 0) return;
  let m = map.get(owner);
  if (!m) map.set(owner, (m = new Map()));
  const v = (m.get(hour) ?? 0) + by;
  if (v === 0) m.delete(hour);
  else m.set(hour, v);
}

function maxPrice(fills: Fill[]): number | null {
  let max: number | null = null;
  for (const f of fills) if (max === null || f.priceCents > max) max = f.priceCents;
  return max;
}

function result(status: OrderStatus, reason: string | null): PlaceResult {
  return {
    status,
    reason,
    fills: [],
    filledBuyIds: [],
    filledSellIds: [],
    clearingPriceCents: null,
  };
}
