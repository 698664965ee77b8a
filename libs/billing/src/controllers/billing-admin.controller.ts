import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { AdminOnly, CurrentPrincipal, Principal } from '@nanopod/identity';
import {
  CreateTopUpDto,
  RetryParkedDto,
  SetCreditLimitDto,
  SetPriceDto,
} from '../dto/billing-admin.dto';
import {
  BalanceDto,
  JournalEntryDto,
  LedgerAuditDto,
  OutboxStatusDto,
  PriceListDto,
  RetryParkedResultDto,
} from '../dto/billing-response.dto';
import { LedgerService } from '../ledger/ledger.service';
import { toCredits } from '../ledger/ledger.types';
import { BalanceService } from '../services/balance.service';
import { OutboxAdminService } from '../services/outbox-admin.service';
import { PricesService } from '../services/prices.service';
import { TopUpService } from '../services/top-up.service';
import { BillingSubjects } from './subject';

@ApiTags('billing-admin')
@Controller('v1/billing/admin')
export class BillingAdminController {
  constructor(
    private readonly topUps: TopUpService,
    private readonly balances: BalanceService,
    private readonly outbox: OutboxAdminService,
    private readonly prices: PricesService,
    private readonly ledger: LedgerService,
    private readonly subjects: BillingSubjects,
  ) {}

  @Post('top-ups')
  @AdminOnly()
  @ApiOperation({
    summary: "Credit a user's wallet",
    description:
      'Idempotent: the same idempotency_key returns the original entry (replayed: true).',
  })
  @ApiCreatedResponse({ type: JournalEntryDto })
  @ApiErrors(400, 404)
  async topUp(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateTopUpDto,
  ): Promise<JournalEntryDto> {
    await this.subjects.mustExist(body.user_id);
    const entry = await this.topUps.topUp({
      userId: body.user_id,
      amount: body.amount,
      idempotencyKey: body.idempotency_key,
      note: body.note,
      source: 'admin',
      actorId: principal.userId,
    });
    return JournalEntryDto.from(entry);
  }

  @Put('credit-limits/:userId')
  @AdminOnly()
  @ApiOperation({ summary: "Set how far below zero a user's wallet may go" })
  @ApiOkResponse({ type: BalanceDto })
  @ApiErrors(400, 404)
  async creditLimit(
    @Param('userId', new ParseUUIDPipe()) userId: string,
    @Body() body: SetCreditLimitDto,
  ): Promise<BalanceDto> {
    await this.subjects.mustExist(userId);
    return BalanceDto.from(await this.balances.setCreditLimit(userId, body.credit_limit));
  }

  @Put('prices')
  @AdminOnly()
  @ApiOperation({ summary: 'Set a list price (credits per unit) for a metric and GPU type' })
  @ApiOkResponse({ type: PriceListDto })
  @ApiErrors(400)
  async setPrice(@Body() body: SetPriceDto): Promise<PriceListDto> {
    return {
      data: await this.prices.set(body.metric, body.gpu_type ?? '', body.unit_price_credits),
    };
  }

  @Get('outbox')
  @AdminOnly()
  @ApiOperation({
    summary: 'Usage events bound for Lago: pending, shipped, parked, oldest pending age',
  })
  @ApiOkResponse({ type: OutboxStatusDto })
  async outboxStatus(): Promise<OutboxStatusDto> {
    return OutboxStatusDto.from(await this.outbox.status());
  }

  @Post('outbox/retry-parked')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Queue parked (refused) events again' })
  @ApiOkResponse({ type: RetryParkedResultDto })
  @ApiErrors(400)
  async retryParked(@Body() body: RetryParkedDto): Promise<RetryParkedResultDto> {
    return { requeued: await this.outbox.retryParked(body.transaction_ids) };
  }

  @Get('ledger/audit')
  @AdminOnly()
  @ApiOperation({ summary: "The ledger's invariants: total zero, balanced entries, no drift" })
  @ApiOkResponse({ type: LedgerAuditDto })
  async audit(): Promise<LedgerAuditDto> {
    const a = await this.ledger.audit();
    return {
      total: toCredits(a.totalMicro),
      unbalanced_entries: a.unbalancedEntries,
      drifted_accounts: a.driftedAccounts,
      below_limit: a.belowLimit,
    };
  }
}
