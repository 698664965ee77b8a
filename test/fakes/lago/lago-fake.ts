import { createHmac, generateKeyPairSync, KeyObject, randomUUID, sign } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small, faithful fake of the parts of the Lago API v1 that Nanopod uses
 * (../shared/reference/lago.md): events (single and batch, max 100, all-or-nothing on the
 * Postgres event store, duplicate transaction_id -> 422 value_already_exist), customers
 * (upsert by external_id), subscriptions, invoices, wallets, and signed webhooks.
 *
 * Failure modes tests switch on: `failNext(n, status)` answers n requests with 500/429/...,
 * `slow(ms)` delays every answer, `rejectTransaction(id)` makes one event invalid (422).
 */
export interface FakeEvent {
  transaction_id: string;
  external_subscription_id: string;
  code: string;
  timestamp?: number | string;
  properties?: Record<string, string | number>;
}

export interface FakeInvoice {
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

export class LagoFake {
  readonly apiKey: string;
  /** Every event accepted, in order. Lago stores each (subscription, transaction_id) once. */
  readonly accepted: FakeEvent[] = [];
  /** How many times each transaction_id was delivered, accepted or not (duplicates included). */
  readonly received = new Map<string, number>();
  /** How many times each transaction_id was accepted: must never exceed 1. */
  readonly acceptedCount = new Map<string, number>();
  readonly customers = new Map<
    string,
    { external_id: string; name?: string; email?: string; lago_id: string }
  >();
  readonly subscriptions = new Map<
    string,
    { external_id: string; external_customer_id: string; plan_code: string; lago_id: string }
  >();
  readonly wallets = new Map<string, { lago_id: string; external_customer_id: string }>();
  readonly invoices = new Map<string, FakeInvoice[]>();
  readonly plans = new Set(['spot', 'on_demand', 'subsidized']);
  readonly requests: { method: string; path: string; status: number }[] = [];
  /** Size of every events batch received. */
  readonly batchSizes: number[] = [];
  /** RSA key pair Lago signs JWT webhooks with; the public key as `GET /webhooks/public_key` serves it. */
  readonly webhookKeys: { privateKey: KeyObject; publicKeyBase64: string };
  readonly hmacKey: string = randomUUID();

  private server: Server | null = null;
  private failures: { remaining: number; status: number } = { remaining: 0, status: 500 };
  private delayMs = 0;
  private readonly poison = new Map<string, Record<string, string[]>>();
  private readonly stored = new Set<string>();

  constructor(apiKey = `lago_test_${randomUUID()}`) {
    this.apiKey = apiKey;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.webhookKeys = { privateKey, publicKeyBase64: Buffer.from(pem).toString('base64') };
  }

  url = '';

  /** Listens on `port` (0: any free one); after `stop()`, `start(samePort)` brings "Lago" back. */
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  failNext(n: number, status = 500): void {
    this.failures = { remaining: n, status };
  }

  slow(ms: number): void {
    this.delayMs = ms;
  }

  rejectTransaction(
    transactionId: string,
    errors: Record<string, string[]> = { properties: ['invalid_value'] },
  ): void {
    this.poison.set(transactionId, errors);
  }

  /** Transaction ids accepted more than once: must be empty. */
  duplicatesAccepted(): string[] {
    return [...this.acceptedCount].filter(([, n]) => n > 1).map(([id]) => id);
  }

  addWallet(externalCustomerId: string): string {
    const lago_id = randomUUID();
    this.wallets.set(lago_id, { lago_id, external_customer_id: externalCustomerId });
    return lago_id;
  }

  addInvoice(externalCustomerId: string, invoice: Partial<FakeInvoice> = {}): FakeInvoice {
    const inv: FakeInvoice = {
      lago_id: randomUUID(),
      number: `LAG-${1000 + (this.invoices.get(externalCustomerId)?.length ?? 0)}`,
      issuing_date: '2026-11-01',
      invoice_type: 'subscription',
      status: 'finalized',
      payment_status: 'succeeded',
      currency: 'USD',
      fees_amount_cents: 1234,
      total_amount_cents: 1234,
      file_url: null,
      ...invoice,
    };
    this.invoices.set(externalCustomerId, [...(this.invoices.get(externalCustomerId) ?? []), inv]);
    return inv;
  }

  /** A `wallet_transaction.updated` webhook body as Lago sends it. */
  walletTransactionWebhook(
    walletId: string,
    tx: { amount: string; status?: string; transaction_status?: string; lago_id?: string },
  ): string {
    return JSON.stringify({
      webhook_type: 'wallet_transaction.updated',
      object_type: 'wallet_transaction',
      organization_id: 'org_fake',
      wallet_transaction: {
        lago_id: tx.lago_id ?? randomUUID(),
        lago_wallet_id: walletId,
        status: tx.status ?? 'settled',
        source: 'manual',
        transaction_status: tx.transaction_status ?? 'purchased',
        transaction_type: 'inbound',
        amount: tx.amount,
        credit_amount: tx.amount,
        settled_at: new Date().toISOString(),
        created_at: new Date().toISOString(),
        invoice_requires_successful_payment: false,
        metadata: [],
      },
    });
  }

  /** Headers Lago sends with a webhook, signed with HMAC-SHA256 (base64) of the raw body. */
  signHmac(body: string, key = this.hmacKey): Record<string, string> {
    return {
      'X-Lago-Signature': createHmac('sha256', key).update(body).digest('base64'),
      'X-Lago-Signature-Algorithm': 'hmac',
      'X-Lago-Unique-Key': randomUUID(),
    };
  }

  /** Headers with Lago's default JWT signature: RS256 over `{data: body, iss: issuer}`. */
  signJwt(
    body: string,
    issuer: string,
    privateKey: KeyObject = this.webhookKeys.privateKey,
  ): Record<string, string> {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${enc({ alg: 'RS256' })}.${enc({ data: body, iss: issuer })}`;
    const sig = sign('RSA-SHA256', Buffer.from(input), privateKey).toString('base64url');
    return {
      'X-Lago-Signature': `${input}.${sig}`,
      'X-Lago-Signature-Algorithm': 'jwt',
      'X-Lago-Unique-Key': randomUUID(),
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const reply = (status: number, body: unknown) => {
      this.requests.push({ method: req.method ?? '', path: url.pathname, status });
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (this.delayMs > 0) setTimeout(send, this.delayMs);
      else send();
    };
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return reply(401, { status: 401, error: 'Unauthorized' });
    }
    if (this.failures.remaining > 0) {
      this.failures.remaining -= 1;
      return reply(this.failures.status, {
        status: this.failures.status,
        error: 'Internal Server Error',
      });
    }
    let body: Record<string, unknown> = {};
    if (chunks.length > 0) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return reply(400, { status: 400, error: 'BadRequest: invalid JSON' });
      }
    }
    const path = url.pathname.replace(/^\/api\/v1/, '');
    const route = `${req.method} ${path}`;
    if (route === 'POST /events/batch') return this.eventsBatch(body, reply);
    if (route === 'POST /events') {
      const event = body.event as FakeEvent | undefined;
      if (!event)
        return reply(400, {
          status: 400,
          error: 'BadRequest: param is missing or the value is empty or invalid: event',
        });
      return this.eventsBatch({ events: [event] }, (status, b) =>
        reply(status, status === 200 ? { event: (b as { events: unknown[] }).events[0] } : b),
      );
    }
    if (route === 'POST /customers') {
      const c = body.customer as
        { external_id?: string; name?: string; email?: string } | undefined;
      if (!c?.external_id) return reply(422, validation({ external_id: ['value_is_mandatory'] }));
      const existing = this.customers.get(c.external_id);
      const customer = {
        ...existing,
        ...c,
        external_id: c.external_id,
        lago_id: existing?.lago_id ?? randomUUID(),
      };
      this.customers.set(c.external_id, customer);
      return reply(200, {
        customer: {
          ...customer,
          sequential_id: this.customers.size,
          created_at: new Date().toISOString(),
        },
      });
    }
    if (route === 'POST /subscriptions') {
      const s = body.subscription as
        { external_customer_id?: string; plan_code?: string; external_id?: string } | undefined;
      if (!s?.external_customer_id || !s.plan_code)
        return reply(422, validation({ plan_code: ['value_is_mandatory'] }));
      if (!this.customers.has(s.external_customer_id)) {
        return reply(404, { status: 404, error: 'Not Found', code: 'customer_not_found' });
      }
      if (!this.plans.has(s.plan_code))
        return reply(404, { status: 404, error: 'Not Found', code: 'plan_not_found' });
      const externalId = s.external_id ?? randomUUID();
      const existing = this.subscriptions.get(externalId);
      const sub = existing ?? {
        external_id: externalId,
        external_customer_id: s.external_customer_id,
        plan_code: s.plan_code,
        lago_id: randomUUID(),
      };
      this.subscriptions.set(externalId, sub);
      return reply(200, {
        subscription: {
          ...sub,
          status: 'active',
          billing_time: 'calendar',
          started_at: new Date().toISOString(),
        },
      });
    }
    if (route === 'GET /invoices') {
      const customer = url.searchParams.get('external_customer_id') ?? '';
      const list = customer
        ? (this.invoices.get(customer) ?? [])
        : [...this.invoices.values()].flat();
      return reply(200, {
        invoices: list,
        meta: {
          current_page: 1,
          next_page: null,
          prev_page: null,
          total_pages: 1,
          total_count: list.length,
        },
      });
    }
    const wallet = /^GET \/wallets\/([^/]+)$/.exec(route);
    if (wallet) {
      const w = this.wallets.get(wallet[1]!);
      if (!w) return reply(404, { status: 404, error: 'Not Found', code: 'wallet_not_found' });
      return reply(200, {
        wallet: {
          ...w,
          status: 'active',
          rate_amount: '1.0',
          currency: 'USD',
          credits_balance: '0.0',
          balance_cents: 0,
        },
      });
    }
    if (route === 'GET /webhooks/public_key') {
      this.requests.push({ method: 'GET', path: url.pathname, status: 200 });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(this.webhookKeys.publicKeyBase64);
      return;
    }
    return reply(404, { status: 404, error: 'Not Found' });
  }

  private eventsBatch(
    body: Record<string, unknown>,
    reply: (status: number, body: unknown) => void,
  ): void {
    const events = body.events as FakeEvent[] | undefined;
    if (!Array.isArray(events)) {
      return reply(400, {
        status: 400,
        error: 'BadRequest: param is missing or the value is empty or invalid: events',
      });
    }
    this.batchSizes.push(events.length);
    if (events.length === 0) return reply(422, validation({ events: ['no_events'] }));
    if (events.length > 100) return reply(422, validation({ events: ['too_many_events'] }));
    for (const e of events) {
      if (e?.transaction_id)
        this.received.set(e.transaction_id, (this.received.get(e.transaction_id) ?? 0) + 1);
    }
    const errors: Record<string, Record<string, string[]>> = {};
    const inBatch = new Set<string>();
    events.forEach((e, i) => {
      const err: Record<string, string[]> = {};
      if (!e?.transaction_id) err.transaction_id = ['value_is_mandatory'];
      if (!e?.code) err.code = ['value_is_mandatory'];
      if (!e?.external_subscription_id) err.external_subscription_id = ['value_is_mandatory'];
      if (e?.timestamp !== undefined && !/^\d+(\.\d+)?$/.test(String(e.timestamp)))
        err.timestamp = ['invalid_format'];
      const key = `${e?.external_subscription_id}|${e?.transaction_id}`;
      if (e?.transaction_id && (this.stored.has(key) || inBatch.has(key)))
        err.transaction_id = ['value_already_exist'];
      inBatch.add(key);
      const poison = e?.transaction_id ? this.poison.get(e.transaction_id) : undefined;
      if (poison) Object.assign(err, poison);
      if (Object.keys(err).length > 0) errors[String(i)] = err;
    });
    // The Postgres event store validates the whole batch first: one bad event, none stored.
    if (Object.keys(errors).length > 0) return reply(422, validation(errors));
    const now = new Date().toISOString();
    const out = events.map((e) => {
      this.stored.add(`${e.external_subscription_id}|${e.transaction_id}`);
      this.accepted.push(e);
      this.acceptedCount.set(e.transaction_id, (this.acceptedCount.get(e.transaction_id) ?? 0) + 1);
      const sub = this.subscriptions.get(e.external_subscription_id);
      return {
        lago_id: randomUUID(),
        transaction_id: e.transaction_id,
        lago_customer_id: null,
        code: e.code,
        timestamp: new Date(Number(e.timestamp ?? Date.now() / 1000) * 1000).toISOString(),
        properties: e.properties ?? {},
        lago_subscription_id: sub?.lago_id ?? null,
        external_subscription_id: e.external_subscription_id,
        created_at: now,
      };
    });
    return reply(200, { events: out });
  }
}

function validation(details: Record<string, unknown>) {
  return {
    status: 422,
    error: 'Unprocessable Entity',
    code: 'validation_errors',
    error_details: details,
  };
}
