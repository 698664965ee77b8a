/** A usage event in Lago's documented shape (`POST /api/v1/events[/batch]`). */
export interface LagoEvent {
  transaction_id: string;
  external_subscription_id: string;
  code: string;
  /** Unix seconds, decimals for milliseconds. */
  timestamp: number;
  properties: Record<string, string | number>;
}

export interface LagoInvoice {
  lago_id: string;
  number: string;
  issuing_date: string;
  invoice_type: string;
  status: string;
  payment_status: string;
  currency: string;
  fees_amount_cents: number;
  total_amount_cents: number;
  file_url: string | null;
}

/** What a batch send came to. */
export type BatchResult =
  | { kind: 'accepted' }
  /** 422 with per-index details: Lago accepted none of the batch (all-or-nothing). */
  | { kind: 'rejected'; errors: Map<number, Record<string, string[]>> }
  /** Worth retrying later: network error, timeout, 429, 5xx, or an answer we cannot read. */
  | { kind: 'transient'; reason: string; status?: number };

/**
 * The port to Lago. The adapter uses lago-javascript-client; tests run it against the Lago fake
 * in test/fakes/lago.
 */
export abstract class LagoGateway {
  abstract readonly configured: boolean;
  abstract sendBatch(events: LagoEvent[]): Promise<BatchResult>;
  /** Upserts the customer (Lago upserts by external_id). */
  abstract upsertCustomer(customer: {
    externalId: string;
    name?: string | null;
    email?: string | null;
  }): Promise<void>;
  /** Creates the subscription; an existing one with the same external id counts as success. */
  abstract ensureSubscription(sub: {
    externalId: string;
    externalCustomerId: string;
    planCode: string;
  }): Promise<void>;
  /** The external customer id (our user id) of a Lago wallet. */
  abstract walletCustomer(lagoWalletId: string): Promise<string>;
  abstract listInvoices(externalCustomerId: string): Promise<LagoInvoice[]>;
}

export class LagoRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'LagoRequestError';
  }
}
