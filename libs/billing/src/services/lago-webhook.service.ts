import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CommonErrorCodes,
  NANOPOD_CONFIG,
  NanopodConfig,
  UpstreamError,
  ValidationError,
} from '@nanopod/common';
import { UsersService } from '@nanopod/identity';
import { DataSource } from 'typeorm';
import { BillingErrorCodes, WebhookSignatureError } from '../billing.errors';
import { LagoGateway } from '../lago/lago-gateway';
import { LagoWebhookVerifier } from '../lago/webhook-verifier';
import { TopUpService } from './top-up.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WebhookOutcome {
  status: 'processed' | 'duplicate' | 'ignored';
  entry_id?: number;
}

interface WalletTransactionPayload {
  lago_id?: string;
  lago_wallet_id?: string;
  status?: string;
  transaction_status?: string;
  transaction_type?: string;
  /** Currency amount (decimal string), e.g. "50.0" USD. */
  amount?: string;
  credit_amount?: string;
}

/**
 * Lago webhooks. Only settled inbound wallet transactions (paid or granted top-ups) move money:
 * they credit the customer's wallet in the ledger, once (idempotency key = the Lago wallet
 * transaction id, whatever webhook or retry carries it).
 */
@Injectable()
export class LagoWebhookService {
  private readonly logger = new Logger(LagoWebhookService.name);
  private readonly verifier: LagoWebhookVerifier;

  constructor(
    @Inject(NANOPOD_CONFIG) config: NanopodConfig,
    private readonly dataSource: DataSource,
    private readonly lago: LagoGateway,
    private readonly topUps: TopUpService,
    private readonly users: UsersService,
  ) {
    const lagoConfig = config.billing.lago;
    this.verifier = new LagoWebhookVerifier({
      hmacKey: lagoConfig?.webhookHmacKey,
      publicKey: lagoConfig?.webhookPublicKey,
      issuer: lagoConfig?.apiUrl,
    });
  }

  async receive(
    raw: Buffer,
    headers: { signature?: string; algorithm?: string; uniqueKey?: string },
  ): Promise<WebhookOutcome> {
    const check = this.verifier.verify(raw, headers.signature, headers.algorithm);
    if (!check.ok) {
      this.logger.warn({ reason: check.reason }, 'Lago webhook refused');
      throw new WebhookSignatureError(check.reason);
    }
    let body: { webhook_type?: string; wallet_transaction?: WalletTransactionPayload };
    try {
      body = JSON.parse(raw.toString('utf8')) as typeof body;
    } catch {
      throw new ValidationError(
        CommonErrorCodes.malformedJson,
        'The webhook body is not valid JSON',
      );
    }
    const type = body.webhook_type ?? 'unknown';
    const outcome = await this.handle(type, body.wallet_transaction);
    // Kept for audit only: money is deduplicated by the top-up's idempotency key, so a retry of
    // a delivery that failed half-way is processed again rather than dropped.
    if (headers.uniqueKey) {
      await this.dataSource.query(
        `INSERT INTO billing_webhook_receipts (unique_key, webhook_type) VALUES ($1, $2)
         ON CONFLICT (unique_key) DO NOTHING`,
        [headers.uniqueKey.slice(0, 200), type],
      );
    }
    return outcome;
  }

  private async handle(
    type: string,
    tx: WalletTransactionPayload | undefined,
  ): Promise<WebhookOutcome> {
    if (!type.startsWith('wallet_transaction.')) return { status: 'ignored' };
    if (
      !tx?.lago_id ||
      !tx.lago_wallet_id ||
      tx.status !== 'settled' ||
      tx.transaction_type !== 'inbound' ||
      !['purchased', 'granted'].includes(tx.transaction_status ?? '')
    ) {
      return { status: 'ignored' };
    }
    const amount = Math.round(Number(tx.amount ?? '0') * 100 * 1e6) / 1e6;
    if (!Number.isFinite(amount) || amount <= 0) return { status: 'ignored' };
    let userId: string;
    try {
      userId = await this.lago.walletCustomer(tx.lago_wallet_id);
    } catch (err) {
      // 502 makes Lago deliver the webhook again later.
      throw new UpstreamError(
        BillingErrorCodes.lagoUnavailable,
        'Could not look up the Lago wallet',
        {
          reason: (err as Error).message,
        },
      );
    }
    // A Lago customer that is not one of our users (external_customer_id from elsewhere) gets
    // no ledger wallet: acknowledged, so Lago does not retry forever, and logged.
    if (!UUID.test(userId) || !(await this.users.findById(userId))) {
      this.logger.warn({ lagoWalletId: tx.lago_wallet_id }, 'Lago wallet of an unknown user');
      return { status: 'ignored' };
    }
    const entry = await this.topUps.topUp({
      userId,
      amount,
      idempotencyKey: tx.lago_id,
      source: 'lago_wallet',
      note: `Lago wallet top-up (${tx.transaction_status})`,
      metadata: { lago_wallet_transaction_id: tx.lago_id, lago_wallet_id: tx.lago_wallet_id },
    });
    return { status: entry.replayed ? 'duplicate' : 'processed', entry_id: entry.id };
  }
}
