export type Side = 'buy' | 'sell';
export type OrderStatus = 'pending' | 'open' | 'filled' | 'cancelled' | 'expired' | 'rejected';
/** Partners sell their nodes' time; users buy, and may sell back time they hold. */
export type OwnerKind = 'user' | 'partner';

export interface OrderFlags {
  /** Immediate or cancel: fill now or not at all. */
  ioc: boolean;
  /** Maker only: refused if it would match on arrival. */
  postOnly: boolean;
}

/** An order as the matcher sees it: integers only, hour blocks [startHour, endHour). */
export interface BookOrder {
  id: string;
  /** Arrival order in its book: time priority. */
  seq: number;
  side: Side;
  ownerId: string;
  ownerKind: OwnerKind;
  nodes: number;
  startHour: number;
  endHour: number;
  /** Limit per GPU-hour in cents: a buy's most, a sell's least. */
  priceCents: number;
  flags: OrderFlags;
}

/** Nodes of one hour block that passed from a seller to a buyer at one price. */
export interface Fill {
  buyOrderId: string;
  sellOrderId: string;
  buyerId: string;
  sellerId: string;
  sellerKind: OwnerKind;
  hour: number;
  nodes: number;
  priceCents: number;
}

export interface PlaceResult {
  /** The incoming order's status after matching. */
  status: OrderStatus;
  reason: string | null;
  fills: Fill[];
  /** Resting buys that filled because of this order (a sell arrival). */
  filledBuyIds: string[];
  /** Sells whose every block is now sold. */
  filledSellIds: string[];
  /** The marginal (highest) unit price of this match; null when nothing matched. */
  clearingPriceCents: number | null;
}

export interface DepthLevel {
  priceCents: number;
  nodes: number;
}

export interface Depth {
  hour: number;
  bids: DepthLevel[];
  asks: DepthLevel[];
}

/** A resting order to put back on a rebuilt book, with what is left of it. */
export interface RestingOrder {
  order: BookOrder;
  /** Sells: unsold nodes per hour block, index 0 = startHour. Buys: ignored. */
  remaining?: number[];
}
