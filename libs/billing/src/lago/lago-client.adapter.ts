import { Logger } from '@nestjs/common';
import { Client } from 'lago-javascript-client';
import type { EventInputObject } from 'lago-javascript-client';
import { BatchResult, LagoEvent, LagoGateway, LagoInvoice, LagoRequestError } from './lago-gateway';

type LagoApi = ReturnType<typeof Client>;

interface RejectedResponse {
  status: number;
  error: unknown;
}

const isResponse = (e: unknown): e is RejectedResponse =>
  typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number';

/** Lago through lago-javascript-client, every request with a timeout. */
export class LagoClientAdapter extends LagoGateway {
  readonly configured = true;
  private readonly logger = new Logger(LagoClientAdapter.name);
  private readonly api: LagoApi;

  constructor(apiUrl: string, apiKey: string, timeoutMs = 10_000) {
    super();
    const timedFetch: typeof fetch = (input, init) =>
      fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    this.api = Client(apiKey, { baseUrl: `${apiUrl}/api/v1`, customFetch: timedFetch });
  }

  async sendBatch(events: LagoEvent[]): Promise<BatchResult> {
    try {
      await this.api.events.createBatchEvents({ events: events as unknown as EventInputObject[] });
      return { kind: 'accepted' };
    } catch (err) {
      if (!isResponse(err)) return { kind: 'transient', reason: describe(err) };
      if (err.status === 422) {
        const errors = perIndexErrors(err.error);
        if (errors) return { kind: 'rejected', errors };
      }
      return {
        kind: 'transient',
        status: err.status,
        reason: `HTTP ${err.status}: ${truncate(JSON.stringify(err.error))}`,
      };
    }
  }

  async upsertCustomer(c: { externalId: string; name?: string | null; email?: string | null }) {
    await this.call('create customer', () =>
      this.api.customers.createCustomer({
        customer: {
          external_id: c.externalId,
          name: c.name ?? undefined,
          email: c.email ?? undefined,
          currency: 'USD',
        },
      }),
    );
  }

  async ensureSubscription(s: {
    externalId: string;
    externalCustomerId: string;
    planCode: string;
  }) {
    try {
      await this.api.subscriptions.createSubscription({
        subscription: {
          external_customer_id: s.externalCustomerId,
          plan_code: s.planCode,
          external_id: s.externalId,
          billing_time: 'calendar',
        },
      });
    } catch (err) {
      // Lago answers 422 `value_already_exist` for an external_id it has: already done.
      if (
        isResponse(err) &&
        err.status === 422 &&
        JSON.stringify(err.error).includes('already_exist')
      ) {
        return;
      }
      throw this.wrap('create subscription', err);
    }
  }

  async walletCustomer(lagoWalletId: string): Promise<string> {
    const res = await this.call('find wallet', () => this.api.wallets.findWallet(lagoWalletId));
    const wallet = (res.data as unknown as { wallet?: { external_customer_id?: string } }).wallet;
    if (!wallet?.external_customer_id) throw new LagoRequestError('Lago wallet has no customer');
    return wallet.external_customer_id;
  }

  async listInvoices(externalCustomerId: string): Promise<LagoInvoice[]> {
    const res = await this.call('list invoices', () =>
      this.api.invoices.findAllInvoices({
        external_customer_id: externalCustomerId,
        per_page: 100,
      }),
    );
    return (res.data as unknown as { invoices: LagoInvoice[] }).invoices ?? [];
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.wrap(what, err);
    }
  }

  private wrap(what: string, err: unknown): LagoRequestError {
    if (isResponse(err)) {
      this.logger.warn({ status: err.status }, `Lago ${what} failed`);
      return new LagoRequestError(`Lago ${what}: HTTP ${err.status}`, err.status, err.error);
    }
    return new LagoRequestError(`Lago ${what}: ${describe(err)}`);
  }
}

/** The per-index details of a 422 batch answer: `{"error_details": {"3": {"transaction_id": [...]}}}`. */
function perIndexErrors(body: unknown): Map<number, Record<string, string[]>> | null {
  const details = (body as { error_details?: unknown } | null)?.error_details;
  if (!details || typeof details !== 'object') return null;
  const out = new Map<number, Record<string, string[]>>();
  for (const [key, value] of Object.entries(details as Record<string, unknown>)) {
    if (!/^\d+$/.test(key) || !value || typeof value !== 'object') return null;
    out.set(Number(key), value as Record<string, string[]>);
  }
  return out.size > 0 ? out : null;
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

const truncate = (s: string | undefined, n = 300): string =>
  !s ? '' : s.length > n ? `${s.slice(0, n)}…` : s;

/** No Lago: nothing ships; the outbox keeps every event until Lago is configured. */
export class NoLagoGateway extends LagoGateway {
  readonly configured = false;
  sendBatch(): Promise<BatchResult> {
    return Promise.resolve({ kind: 'transient', reason: 'Lago is not configured' });
  }
  upsertCustomer(): Promise<void> {
    return Promise.reject(new LagoRequestError('Lago is not configured'));
  }
  ensureSubscription(): Promise<void> {
    return Promise.reject(new LagoRequestError('Lago is not configured'));
  }
  walletCustomer(): Promise<string> {
    return Promise.reject(new LagoRequestError('Lago is not configured'));
  }
  listInvoices(): Promise<LagoInvoice[]> {
    return Promise.resolve([]);
  }
}
