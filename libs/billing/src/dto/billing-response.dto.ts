import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JournalEntry, toCredits } from '../ledger/ledger.types';
import type { UserBalance } from '../services/balance.service';
import type { InvoiceView } from '../services/invoices.service';
import type { OutboxStatusView } from '../services/outbox-admin.service';
import type { UsageReport } from '../services/usage-query.service';

export class BalanceDto {
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty({ enum: ['credits'] }) currency!: 'credits';
  @ApiProperty({ description: 'Wallet balance in credits (cents)' }) balance!: number;
  @ApiProperty({ description: 'Usage the wallet could not cover' }) owed!: number;
  @ApiProperty() credit_limit!: number;
  @ApiProperty({ description: 'balance + credit_limit - owed' }) available!: number;

  static from(b: UserBalance): BalanceDto {
    return {
      user_id: b.userId,
      currency: 'credits',
      balance: b.balance,
      owed: b.owed,
      credit_limit: b.creditLimit,
      available: b.available,
    };
  }
}

export class UsageRowDto {
  @ApiProperty({ description: 'Day (YYYY-MM-DD) or metric' }) key!: string;
  @ApiProperty() metric!: string;
  @ApiProperty() quantity!: number;
  @ApiProperty() events!: number;
  @ApiProperty({ description: 'List price in credits' }) list_credits!: number;
  @ApiProperty() paid_credits!: number;
  @ApiProperty({ description: 'List minus paid' }) saved_credits!: number;
}

export class UsageTotalsDto {
  @ApiProperty() list_credits!: number;
  @ApiProperty() paid_credits!: number;
  @ApiProperty() saved_credits!: number;
  @ApiProperty() events!: number;
}

export class UsageReportDto {
  @ApiProperty({ format: 'uuid' }) user_id!: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ enum: ['day', 'kind'] }) group_by!: 'day' | 'kind';
  @ApiProperty({ type: [UsageRowDto] }) data!: UsageRowDto[];
  @ApiProperty({ type: UsageTotalsDto }) totals!: UsageTotalsDto;

  static from(r: UsageReport): UsageReportDto {
    return {
      user_id: r.userId,
      from: r.from.toISOString(),
      to: r.to.toISOString(),
      group_by: r.groupBy,
      data: r.rows.map((x) => ({
        key: x.key,
        metric: x.metric,
        quantity: x.quantity,
        events: x.events,
        list_credits: x.listCredits,
        paid_credits: x.paidCredits,
        saved_credits: x.savedCredits,
      })),
      totals: {
        list_credits: r.totals.listCredits,
        paid_credits: r.totals.paidCredits,
        saved_credits: r.totals.savedCredits,
        events: r.totals.events,
      },
    };
  }
}

export class InvoiceDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['lago', 'ledger'] }) source!: 'lago' | 'ledger';
  @ApiProperty() number!: string;
  @ApiProperty({ description: 'Issuing date or statement month' }) period!: string;
  @ApiProperty() status!: string;
  @ApiProperty({ nullable: true, type: String }) payment_status!: string | null;
  @ApiProperty() currency!: string;
  @ApiProperty({ description: 'Total in cents (= credits)' }) total_cents!: number;
  @ApiProperty({ nullable: true, type: Number }) list_cents!: number | null;
  @ApiProperty({ nullable: true, type: String }) file_url!: string | null;

  static from(i: InvoiceView): InvoiceDto {
    return {
      id: i.id,
      source: i.source,
      number: i.number,
      period: i.period,
      status: i.status,
      payment_status: i.paymentStatus,
      currency: i.currency,
      total_cents: i.totalCents,
      list_cents: i.listCents,
      file_url: i.fileUrl,
    };
  }
}

export class InvoiceListDto {
  @ApiProperty({ type: [InvoiceDto] }) data!: InvoiceDto[];
}

export class JournalLineDto {
  @ApiProperty() account!: string;
  @ApiProperty({ description: 'Credits; negative = debit' }) amount!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Wallets only' })
  balance_after!: number | null;
}

export class JournalEntryDto {
  @ApiProperty() id!: number;
  @ApiProperty() kind!: string;
  @ApiProperty() idempotency_key!: string;
  @ApiProperty({ nullable: true, type: String }) memo!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: [JournalLineDto] }) lines!: JournalLineDto[];
  @ApiProperty({ description: 'The key had been used: this is the original entry' })
  replayed!: boolean;
  @ApiPropertyOptional({ type: Object }) metadata?: Record<string, unknown>;

  /** `onlyUser`: keep only the lines on that user's accounts (others' accounts are not theirs). */
  static from(e: JournalEntry, onlyUser?: string): JournalEntryDto {
    const lines = onlyUser
      ? e.lines.filter((l) => l.ownerId === onlyUser && l.kind.startsWith('user_'))
      : e.lines;
    return {
      id: e.id,
      kind: e.kind,
      idempotency_key: e.idempotencyKey,
      memo: e.memo,
      created_at: e.createdAt.toISOString(),
      lines: lines.map((l) => ({
        account: l.ownerId ? `${l.kind}:${l.ownerId}` : l.kind,
        amount: toCredits(l.amountMicro),
        balance_after: l.balanceAfterMicro === null ? null : toCredits(l.balanceAfterMicro),
      })),
      replayed: e.replayed,
      metadata: onlyUser ? undefined : e.metadata,
    };
  }
}

export class JournalEntryListDto {
  @ApiProperty({ type: [JournalEntryDto] }) data!: JournalEntryDto[];
  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `before` for the next page' })
  next_before!: number | null;
}

export class ParkedEventDto {
  @ApiProperty() transaction_id!: string;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty() attempts!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class OutboxStatusDto {
  @ApiProperty() lago_configured!: boolean;
  @ApiProperty() pending!: number;
  @ApiProperty() shipped!: number;
  @ApiProperty() parked!: number;
  @ApiProperty({ nullable: true, type: Number }) oldest_pending_age_seconds!: number | null;
  @ApiProperty({ type: [ParkedEventDto] }) parked_events!: ParkedEventDto[];

  static from(s: OutboxStatusView): OutboxStatusDto {
    return {
      lago_configured: s.lagoConfigured,
      pending: s.pending,
      shipped: s.shipped,
      parked: s.parked,
      oldest_pending_age_seconds: s.oldestPendingAgeSeconds,
      parked_events: s.parkedEvents.map((p) => ({
        transaction_id: p.transactionId,
        reason: p.reason,
        attempts: p.attempts,
        created_at: p.createdAt.toISOString(),
      })),
    };
  }
}

export class RetryParkedResultDto {
  @ApiProperty() requeued!: number;
}

export class PriceDto {
  @ApiProperty() metric!: string;
  @ApiProperty({ description: "'' = the metric's default" }) gpu_type!: string;
  @ApiProperty() unit_price_credits!: number;
}

export class PriceListDto {
  @ApiProperty({ type: [PriceDto] }) data!: PriceDto[];
}

export class LedgerAuditDto {
  @ApiProperty({ description: 'Sum of all balances in credits; always 0' }) total!: number;
  @ApiProperty() unbalanced_entries!: number;
  @ApiProperty() drifted_accounts!: number;
  @ApiProperty() below_limit!: number;
}

export class WebhookAckDto {
  @ApiProperty({ enum: ['processed', 'duplicate', 'ignored'] }) status!: string;
  @ApiPropertyOptional() entry_id?: number;
}
