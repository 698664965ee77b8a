import {
  BookOrder,
  Fill,
  OrderBook,
  parseDurationHours,
  parseStartHour,
  HOUR_MS,
} from '../src/core';
import { ReferenceOrderBook } from './support/reference-order-book';

const H = 500_000;
let seq = 0;
function order(over: Partial<BookOrder> & Pick<BookOrder, 'side'>): BookOrder {
  seq += 1;
  return {
    id: `${over.side}-${seq}`,
    seq,
    ownerId: over.side === 'sell' ? 'partner-1' : 'user-1',
    ownerKind: over.side === 'sell' ? 'partner' : 'user',
    nodes: 1,
    startHour: H,
    endHour: H + 1,
    priceCents: 100,
    flags: { ioc: false, postOnly: false },
    ...over,
  };
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the order book', () => {
  it('fills a buy from the cheapest sell first, at the resting sell price', () => {
    const book = new OrderBook();
    book.place(order({ side: 'sell', id: 'dear', priceCents: 180, nodes: 4 }));
    book.place(order({ side: 'sell', id: 'cheap', priceCents: 120, nodes: 2 }));
    const r = book.place(order({ side: 'buy', nodes: 3, priceCents: 200 }));
    expect(r.status).toBe('filled');
    expect(r.fills.map((f) => [f.sellOrderId, f.nodes, f.priceCents])).toEqual([
      ['cheap', 2, 120],
      ['dear', 1, 180],
    ]);
    expect(r.clearingPriceCents).toBe(180);
    expect(r.filledSellIds).toEqual(['cheap']);
  });

  it('gives equal prices to the older sell first (time priority)', () => {
    const book = new OrderBook();
    book.place(order({ side: 'sell', id: 'first', priceCents: 150 }));
    book.place(order({ side: 'sell', id: 'second', priceCents: 150 }));
    const r = book.place(order({ side: 'buy', priceCents: 150 }));
    expect(r.fills[0].sellOrderId).toBe('first');
  });

  it('rests a buy whose window is not covered in every block, and fills it when a sell covers the gap', () => {
    const book = new OrderBook();
    book.place(order({ side: 'sell', nodes: 2, startHour: H, endHour: H + 2, priceCents: 100 }));
    const buy = order({
      side: 'buy',
      id: 'b',
      nodes: 2,
      startHour: H,
      endHour: H + 3,
      priceCents: 150,
    });
    expect(book.place(buy).status).toBe('open');
    const r = book.place(
      order({
        side: 'sell',
        id: 'late',
        nodes: 2,
        startHour: H + 2,
        endHour: H + 4,
        priceCents: 140,
      }),
    );
    expect(r.filledBuyIds).toEqual(['b']);
    expect(r.status).toBe('open');
    // The buy rested first: the late sell's units trade at the buy's price; older sells at theirs.
    const late = r.fills.filter((f) => f.sellOrderId === 'late');
    expect(late).toEqual([expect.objectContaining({ hour: H + 2, nodes: 2, priceCents: 150 })]);
    expect(r.fills.filter((f) => f.sellOrderId !== 'late').every((f) => f.priceCents === 100)).toBe(
      true,
    );
  });

  it('never sells a block twice', () => {
    const book = new OrderBook();
    book.place(order({ side: 'sell', nodes: 1, priceCents: 100 }));
    expect(book.place(order({ side: 'buy', priceCents: 100 })).status).toBe('filled');
    expect(book.place(order({ side: 'buy', priceCents: 1000 })).status).toBe('open');
  });

  it('does not cross a buy limit below the ask', () => {
    const book = new OrderBook();
    book.place(order({ side: 'sell', priceCents: 300 }));
    expect(book.place(order({ side: 'buy', priceCents: 299 })).status).toBe('open');
    expect(book.depth(H)).toEqual({
      hour: H,
      bids: [{ priceCents: 299, nodes: 1 }],
      asks: [{ priceCents: 300, nodes: 1 }],
    });
  });

  it('cancels an unfilled ioc buy and rejects a post-only order that would match', () => {
    const book = new OrderBook();
    expect(book.place(order({ side: 'buy', flags: { ioc: true, postOnly: false } })).status).toBe(
      'cancelled',
    );
    book.place(order({ side: 'sell', priceCents: 100 }));
    const r = book.place(
      order({ side: 'buy', priceCents: 100, flags: { ioc: false, postOnly: true } }),
    );
    expect(r).toMatchObject({ status: 'rejected', reason: 'would_match' });
    book.place(order({ side: 'buy', id: 'rest', priceCents: 90 }));
    const s = book.place(
      order({ side: 'sell', priceCents: 80, flags: { ioc: false, postOnly: true } }),
    );
    expect(s.status).toBe('rejected');
    expect(book.has('rest')).toBe(true);
  });

  it('lets a user sell back only time they hold', () => {
    const book = new OrderBook();
    const resale = { ownerId: 'user-1', ownerKind: 'user' as const, priceCents: 50 };
    expect(book.place(order({ side: 'sell', ...resale })).reason).toBe('not_held');
    book.place(order({ side: 'sell', priceCents: 100 }));
    expect(book.place(order({ side: 'buy', ownerId: 'user-1', priceCents: 100 })).status).toBe(
      'filled',
    );
    expect(book.place(order({ side: 'sell', ...resale })).status).toBe('open');
    // Offered once already: a second offer of the same node-hour is refused.
    expect(book.place(order({ side: 'sell', ...resale })).reason).toBe('not_held');
    const r = book.place(order({ side: 'buy', ownerId: 'user-2', priceCents: 60 }));
    expect(r.fills[0]).toMatchObject({ sellerId: 'user-1', sellerKind: 'user', priceCents: 50 });
    expect(book.freeHolding('user-1', H, H + 1)).toEqual([0]);
  });

  it('expires buys whose window began unfilled and drops past blocks of sells', () => {
    const book = new OrderBook();
    book.place(order({ side: 'buy', id: 'late-buy', priceCents: 1 }));
    book.place(order({ side: 'sell', id: 'long', startHour: H, endHour: H + 3, priceCents: 500 }));
    const out = book.expire(H + 1);
    expect(out.expiredBuyIds).toEqual(['late-buy']);
    expect(book.depth(H).asks).toEqual([]);
    expect(book.depth(H + 1).asks).toEqual([{ priceCents: 500, nodes: 1 }]);
    expect(book.expire(H + 3).endedSellIds).toEqual(['long']);
  });

  it('quotes the price a buy would need now', () => {
    const book = new OrderBook();
    book.place(order({ side: 'sell', nodes: 1, priceCents: 100, endHour: H + 2 }));
    book.place(order({ side: 'sell', nodes: 1, priceCents: 250, endHour: H + 2 }));
    expect(book.quoteBuy(1, H, H + 2)).toBe(100);
    expect(book.quoteBuy(2, H, H + 2)).toBe(250);
    expect(book.quoteBuy(3, H, H + 2)).toBeNull();
  });

  it('keeps its invariants over random order flow (property)', () => {
    // Checks collected, one expect at the end: thousands of expects made this test slow.
    const broken: string[] = [];
    const check = (ok: boolean, what: string, about: unknown) => {
      if (!ok && broken.length < 5) broken.push(`${what}: ${JSON.stringify(about)}`);
    };
    for (let seed = 1; seed <= 10; seed++) {
      const r = rng(seed);
      const book = new OrderBook();
      const orders = new Map<string, BookOrder>();
      const fills: Fill[] = [];
      const filledBuys = new Set<string>();
      for (let i = 0; i < 400; i++) {
        const side = r() < 0.5 ? 'buy' : 'sell';
        const start = H + Math.floor(r() * 12);
        const o = order({
          side,
          ownerId: side === 'buy' ? `u${Math.floor(r() * 6)}` : `p${Math.floor(r() * 4)}`,
          nodes: 1 + Math.floor(r() * 4),
          startHour: start,
          endHour: start + 1 + Math.floor(r() * 6),
          priceCents: 50 + Math.floor(r() * 100),
          flags: { ioc: r() < 0.1, postOnly: r() < 0.05 },
        });
        orders.set(o.id, o);
        const res = book.place(o);
        fills.push(...res.fills);
        if (o.side === 'buy' && res.status === 'filled') filledBuys.add(o.id);
        for (const id of res.filledBuyIds) filledBuys.add(id);
        if (r() < 0.05 && orders.size > 0)
          book.cancel([...orders.keys()][Math.floor(r() * orders.size)]);
      }
      // No block of a sell sold beyond its nodes; prices inside both limits.
      const soldPerSellHour = new Map<string, number>();
      const gotPerBuyHour = new Map<string, number>();
      for (const f of fills) {
        const s = orders.get(f.sellOrderId)!;
        const b = orders.get(f.buyOrderId)!;
        check(f.priceCents >= s.priceCents, 'fill under the sell limit', f);
        check(f.priceCents <= b.priceCents, 'fill over the buy limit', f);
        check(f.hour >= Math.max(s.startHour, b.startHour), 'fill before a window', f);
        check(f.hour < Math.min(s.endHour, b.endHour), 'fill after a window', f);
        check(f.sellerId !== f.buyerId, 'self-trade', f);
        const k = `${f.sellOrderId}@${f.hour}`;
        soldPerSellHour.set(k, (soldPerSellHour.get(k) ?? 0) + f.nodes);
        check(soldPerSellHour.get(k)! <= s.nodes, 'block sold twice', f);
        const g = `${f.buyOrderId}@${f.hour}`;
        gotPerBuyHour.set(g, (gotPerBuyHour.get(g) ?? 0) + f.nodes);
      }
      // A filled buy got exactly its nodes in every block of its window.
      for (const id of filledBuys) {
        const b = orders.get(id)!;
        for (let h = b.startHour; h < b.endHour; h++)
          check(gotPerBuyHour.get(`${id}@${h}`) === b.nodes, 'filled buy short', { id, h });
      }
      // No resting buy could fill against the resting sells (ignoring its owner's own).
      for (const o of orders.values()) {
        if (o.side !== 'buy' || !book.has(o.id)) continue;
        const q = book.quoteBuy(o.nodes, o.startHour, o.endHour, o.ownerId);
        check(q === null || q > o.priceCents, 'resting buy could fill', o);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('the indexed order book against the reference (flat) book', () => {
  it('answers every order, cancel, expiry, depth and quote exactly as the reference does', () => {
    // One expect per seed: comparing as JSON keeps thousands of steps fast.
    const differences: string[] = [];
    const same = (step: string, a: unknown, b: unknown) => {
      const x = JSON.stringify(a);
      const y = JSON.stringify(b);
      if (x !== y && differences.length < 5) differences.push(`${step}: ${x} != ${y}`);
    };
    for (let seed = 1; seed <= 8; seed++) {
      const r = rng(seed * 7919);
      const book = new OrderBook();
      const ref = new ReferenceOrderBook();
      const ids: string[] = [];
      let now = H;
      for (let i = 0; i < 1200; i++) {
        const roll = r();
        if (roll < 0.03) {
          now += 1;
          const a = book.expire(now);
          const b = ref.expire(now);
          same(`expire ${now}`, a.expiredBuyIds.sort(), b.expiredBuyIds.sort());
          same(`expire ${now}`, a.endedSellIds.sort(), b.endedSellIds.sort());
          continue;
        }
        if (roll < 0.08 && ids.length > 0) {
          const id = ids[Math.floor(r() * ids.length)];
          same(`cancel ${id}`, book.cancel(id), ref.cancel(id));
          continue;
        }
        if (roll < 0.1) {
          const h = now + Math.floor(r() * 14);
          same(`depth ${h}`, book.depth(h, 5), ref.depth(h, 5));
          const n = 1 + Math.floor(r() * 6);
          const end = h + 1 + Math.floor(r() * 4);
          same(`quote ${h}`, book.quoteBuy(n, h, end, 'u1'), ref.quoteBuy(n, h, end, 'u1'));
          continue;
        }
        const sellBack = roll < 0.16;
        const side = sellBack || roll < 0.55 ? 'sell' : 'buy';
        const start = now + Math.floor(r() * 12);
        const o = order({
          side,
          ownerId:
            side === 'buy' || sellBack ? `u${Math.floor(r() * 6)}` : `p${Math.floor(r() * 4)}`,
          ownerKind: side === 'buy' || sellBack ? 'user' : 'partner',
          nodes: 1 + Math.floor(r() * 4),
          startHour: start,
          endHour: start + 1 + Math.floor(r() * (r() < 0.1 ? 30 : 6)),
          priceCents: 50 + Math.floor(r() * 20) * 5,
          flags: { ioc: r() < 0.1, postOnly: r() < 0.05 },
        });
        ids.push(o.id);
        same(`place ${o.id}`, book.place(o), ref.place(o));
        same(`size after ${o.id}`, book.size, ref.size);
      }
    }
    expect(differences).toEqual([]);
  });
});

describe('order time', () => {
  const now = Date.UTC(2026, 11, 3, 10, 14);
  it('rounds durations up to whole hours and refuses less than one', () => {
    expect(parseDurationHours('90m')).toEqual({ ok: true, value: 2 });
    expect(parseDurationHours('24h')).toEqual({ ok: true, value: 24 });
    expect(parseDurationHours(3600)).toEqual({ ok: true, value: 1 });
    expect(parseDurationHours('59m')).toMatchObject({ ok: false, problem: { field: 'duration' } });
    expect(parseDurationHours('soon')).toMatchObject({ ok: false });
  });
  it('reads now, relative and ISO starts as hour blocks, and refuses the past', () => {
    const hour = Math.floor(now / HOUR_MS);
    expect(parseStartHour('now', now)).toEqual({ ok: true, value: hour });
    expect(parseStartHour('in 5h', now)).toEqual({ ok: true, value: hour + 5 });
    expect(parseStartHour('2026-12-04T00:00:00Z', now)).toEqual({
      ok: true,
      value: Date.UTC(2026, 11, 4) / HOUR_MS,
    });
    expect(parseStartHour('2026-12-03T08:00:00Z', now)).toMatchObject({
      ok: false,
      problem: { field: 'start', problem: 'is in the past' },
    });
    expect(parseStartHour('yesterday', now)).toMatchObject({ ok: false });
  });
});
