/* The order book as it was before the price-ladder index (commit 0ac8d52): the reference the
 * new book's results are compared with, order by order. Not used outside tests. */
import {
  BookOrder,
  Depth,
  DepthLevel,
  Fill,
  OrderStatus,
  PlaceResult,
  RestingOrder,
} from '../../src/core/order-book.types';

interface SellEntry {
  order: BookOrder;
  /** Unsold nodes per hour block, index 0 = order.startHour. */
  remaining: Int32Array;
}

interface Take {
  entry: SellEntry;
  hour: number;
  nodes: number;
}

/** (price asc, seq asc): the cheapest, then the oldest, sell is taken first. */
const askBefore = (a: BookOrder, b: BookOrder): boolean =>
  a.priceCents < b.priceCents || (a.priceCents === b.priceCents && a.seq < b.seq);
/** (price desc, seq asc): the highest, then the oldest, buy is served first. */
const bidBefore = (a: BookOrder, b: BookOrder): boolean =>
  a.priceCents > b.priceCents || (a.priceCents === b.priceCents && a.seq < b.seq);

function insertSorted<T>(list: T[], item: T, before: (a: T, b: T) => boolean): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list[mid], item)) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, item);
}

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

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
 * ```ts
 * const book = new OrderBook();
 * book.place({ id: 's1', seq: 1, side: 'sell', ownerId: 'p', ownerKind: 'partner', nodes: 4,
 *   startHour: h, endHour: h + 24, priceCents: 150, flags: { ioc: false, postOnly: false } });
 * book.place({ ...buy, nodes: 2, startHour: h + 5, endHour: h + 29, priceCents: 200 }); // open
 * ```
 */
export class ReferenceOrderBook {
  private readonly byHour = new Map<number, SellEntry[]>();
  private readonly sells = new Map<string, SellEntry>();
  private readonly bids: BookOrder[] = [];
  private readonly buyIds = new Set<string>();
  /** User holdings per hour (bought minus sold back), and what their open sells commit. */
  private readonly held = new Map<string, Map<number, number>>();
  private readonly committed = new Map<string, Map<number, number>>();

  get size(): number {
    return this.sells.size + this.bids.length;
  }

  has(orderId: string): boolean {
    return this.sells.has(orderId) || this.buyIds.has(orderId);
  }

  place(order: BookOrder): PlaceResult {
    if (this.has(order.id)) throw new Error(`order ${order.id} is already on the book`);
    return order.side === 'buy' ? this.placeBuy(order) : this.placeSell(order);
  }

  /** Puts back a resting order without matching (rebuilding a book from storage). */
  restore(resting: RestingOrder): void {
    const { order } = resting;
    if (order.side === 'buy') {
      insertSorted(this.bids, order, bidBefore);
      this.buyIds.add(order.id);
      return;
    }
    const span = order.endHour - order.startHour;
    const remaining = Int32Array.from(
      resting.remaining ?? new Array<number>(span).fill(order.nodes),
    );
    const entry = { order, remaining };
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
    if (!this.buyIds.has(orderId)) return false;
    const i = this.bids.findIndex((b) => b.id === orderId);
    this.bids.splice(i, 1);
    this.buyIds.delete(orderId);
    return true;
  }

  /**
   * Blocks before `nowHour` cannot be sold any more. Buys whose window has begun unfilled
   * expire; sells lose their past blocks and leave once none is left. Returns the ids that left.
   */
  expire(nowHour: number): { expiredBuyIds: string[]; endedSellIds: string[] } {
    const expiredBuyIds: string[] = [];
    for (let i = this.bids.length - 1; i >= 0; i--) {
      if (this.bids[i].startHour < nowHour) {
        expiredBuyIds.push(this.bids[i].id);
        this.buyIds.delete(this.bids[i].id);
        this.bids.splice(i, 1);
      }
    }
    const endedSellIds: string[] = [];
    for (const [hour, list] of this.byHour) {
      if (hour < nowHour) {
        this.byHour.delete(hour);
        for (const e of list) {
          const idx = hour - e.order.startHour;
          if (e.order.ownerKind === 'user')
            bump(this.committed, e.order.ownerId, hour, -e.remaining[idx]);
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
    for (const e of this.byHour.get(hour) ?? []) {
      const n = e.remaining[hour - e.order.startHour];
      if (n <= 0) continue;
      const last = asks[asks.length - 1];
      if (last && last.priceCents === e.order.priceCents) last.nodes += n;
      else if (asks.length < levels) asks.push({ priceCents: e.order.priceCents, nodes: n });
      else break;
    }
    const bids: DepthLevel[] = [];
    for (const b of this.bids) {
      if (hour < b.startHour || hour >= b.endHour) continue;
      const last = bids[bids.length - 1];
      if (last && last.priceCents === b.priceCents) last.nodes += b.nodes;
      else if (bids.length < levels) bids.push({ priceCents: b.priceCents, nodes: b.nodes });
      else break;
    }
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
      for (const e of this.byHour.get(h) ?? []) {
        if (e.order.ownerId === excludeOwner) continue;
        need -= e.remaining[h - e.order.startHour];
        if (need <= 0) {
          worst = Math.max(worst, e.order.priceCents);
          break;
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
    const takes = this.planBuy(order, null);
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
    insertSorted(this.bids, order, bidBefore);
    this.buyIds.add(order.id);
    return result('open', null);
  }

  private placeSell(order: BookOrder): PlaceResult {
    const span = order.endHour - order.startHour;
    if (order.ownerKind === 'user') {
      const free = this.freeHolding(order.ownerId, order.startHour, order.endHour);
      if (free.some((n) => n < order.nodes)) return result('rejected', 'not_held');
    }
    const entry: SellEntry = { order, remaining: new Int32Array(span).fill(order.nodes) };
    this.addSell(entry);
    if (order.ownerKind === 'user') {
      for (let h = order.startHour; h < order.endHour; h++)
        bump(this.committed, order.ownerId, h, order.nodes);
    }
    const fills: Fill[] = [];
    const filledBuyIds: string[] = [];
    const touched: Take[] = [];
    // Only buys that can pay this sell's price and overlap it can have become fillable.
    for (let i = 0; i < this.bids.length; i++) {
      const bid = this.bids[i];
      if (bid.priceCents < order.priceCents) break;
      if (bid.endHour <= order.startHour || bid.startHour >= order.endHour) continue;
      if (bid.ownerId === order.ownerId) continue;
      const takes = this.planBuy(bid, entry);
      if (!takes) continue;
      if (order.flags.postOnly) {
        this.dropSell(entry, true);
        return result('rejected', 'would_match');
      }
      fills.push(...this.commit(bid, takes));
      touched.push(...takes);
      filledBuyIds.push(bid.id);
      this.bids.splice(i, 1);
      this.buyIds.delete(bid.id);
      i--;
      if (entry.remaining.every((n) => n === 0)) break;
    }
    const soldOut = entry.remaining.every((n) => n === 0);
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
   * Which sells would serve `buy`, block by block, cheapest and oldest first; null when some
   * block lacks nodes. `mustUse` (a just-arrived sell) need not be in the plan: the invariant
   * already says the buy could not fill without it.
   */
  private planBuy(buy: BookOrder, _mustUse: SellEntry | null): Take[] | null {
    // Cheap refusal first: a block whose best ask is above the limit (the common case when a
    // sell's arrival revisits resting buys) ends the plan before anything is allocated.
    for (let h = buy.startHour; h < buy.endHour; h++) {
      const list = this.byHour.get(h);
      if (!list || list.length === 0 || list[0].order.priceCents > buy.priceCents) return null;
    }
    const takes: Take[] = [];
    for (let h = buy.startHour; h < buy.endHour; h++) {
      let need = buy.nodes;
      const list = this.byHour.get(h);
      if (!list) return null;
      for (let k = 0; k < list.length && need > 0; k++) {
        const e = list[k];
        if (e.order.priceCents > buy.priceCents) break;
        if (e.order.ownerId === buy.ownerId) continue;
        const left = e.remaining[h - e.order.startHour];
        if (left <= 0) continue;
        const n = left < need ? left : need;
        takes.push({ entry: e, hour: h, nodes: n });
        need -= n;
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
      if (t.entry.remaining[idx] === 0) removeFrom(this.byHour.get(t.hour)!, t.entry);
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
      if (this.sells.get(e.order.id) === e && e.remaining.every((n) => n === 0)) {
        this.sells.delete(e.order.id);
        out.push(e.order.id);
      }
    }
    return out;
  }

  private addSell(entry: SellEntry): void {
    this.sells.set(entry.order.id, entry);
    for (let h = entry.order.startHour; h < entry.order.endHour; h++) {
      if (entry.remaining[h - entry.order.startHour] <= 0) continue;
      let list = this.byHour.get(h);
      if (!list) this.byHour.set(h, (list = []));
      insertSorted(list, entry, (a, b) => askBefore(a.order, b.order));
    }
  }

  private dropSell(entry: SellEntry, releaseCommitment: boolean): void {
    this.sells.delete(entry.order.id);
    const o = entry.order;
    for (let h = o.startHour; h < o.endHour; h++) {
      const left = entry.remaining[h - o.startHour];
      if (left <= 0) continue;
      const list = this.byHour.get(h);
      if (list) removeFrom(list, entry);
      if (releaseCommitment && o.ownerKind === 'user') bump(this.committed, o.ownerId, h, -left);
    }
  }
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
