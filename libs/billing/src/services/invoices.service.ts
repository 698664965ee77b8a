import { Injectable } from '@nestjs/common';
import { UpstreamError } from '@nanopod/common';
import { DataSource } from 'typeorm';
import { LagoGateway } from '../lago/lago-gateway';
import { toCredits } from '../ledger/ledger.types';
import { StatementsRepository } from '../statements/statements.repository';
import { BillingErrorCodes } from '../billing.errors';

export interface InvoiceView {
  id: string;
  source: 'lago' | 'ledger';
  number: string;
  /** YYYY-MM-DD (Lago's issuing date) or the statement's month (YYYY-MM). */
  period: string;
  status: string;
  paymentStatus: string | null;
  currency: string;
  /** Total in cents (credits). */
  totalCents: number;
  /** List price of the usage before subsidy (ledger statements only). */
  listCents: number | null;
  fileUrl: string | null;
}

/** Invoices from Lago when it is configured, else monthly statements from the local ledger. */
@Injectable()
export class InvoicesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lago: LagoGateway,
    private readonly statements: StatementsRepository,
  ) {}

  async forUser(userId: string): Promise<InvoiceView[]> {
    if (this.lago.configured) {
      try {
        const invoices = await this.lago.listInvoices(userId);
        return invoices.map((i) => ({
          id: i.lago_id,
          source: 'lago' as const,
          number: i.number,
          period: i.issuing_date,
          status: i.status,
          paymentStatus: i.payment_status,
          currency: i.currency,
          totalCents: i.total_amount_cents,
          listCents: null,
          fileUrl: i.file_url ?? null,
        }));
      } catch (err) {
        throw new UpstreamError(
          BillingErrorCodes.lagoUnavailable,
          'Could not read invoices from Lago',
          {
            reason: (err as Error).message,
          },
        );
      }
    }
    const rows = await this.statements.monthly(this.dataSource.manager, userId);
    return rows.map((r) => ({
      id: `statement-${r.month}`,
      source: 'ledger' as const,
      number: `ST-${r.month}`,
      period: r.month,
      status: 'statement',
      paymentStatus: null,
      currency: 'credits',
      totalCents: toCredits(r.usageChargedMicro),
      listCents: toCredits(r.usageListMicro),
      fileUrl: null,
    }));
  }
}
