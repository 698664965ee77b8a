import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { Authenticated, CurrentPrincipal, Principal } from '@nanopod/identity';
import { LedgerQueryDto, UsageQueryDto, UserScopedQueryDto } from '../dto/billing-query.dto';
import {
  BalanceDto,
  InvoiceDto,
  InvoiceListDto,
  JournalEntryDto,
  JournalEntryListDto,
  PriceListDto,
  UsageReportDto,
} from '../dto/billing-response.dto';
import { LedgerService } from '../ledger/ledger.service';
import { BalanceService } from '../services/balance.service';
import { InvoicesService } from '../services/invoices.service';
import { PricesService } from '../services/prices.service';
import { UsageQueryService } from '../services/usage-query.service';
import { BillingSubjects } from './subject';

@ApiTags('billing')
@Controller('v1/billing')
export class BillingController {
  constructor(
    private readonly balances: BalanceService,
    private readonly usage: UsageQueryService,
    private readonly invoices: InvoicesService,
    private readonly ledger: LedgerService,
    private readonly prices: PricesService,
    private readonly subjects: BillingSubjects,
  ) {}

  @Get('balance')
  @Authenticated('read')
  @ApiOperation({ summary: 'Your credit balance (credits = cents)' })
  @ApiOkResponse({ type: BalanceDto })
  @ApiErrors(400, 404)
  async balance(
    @CurrentPrincipal() principal: Principal,
    @Query() q: UserScopedQueryDto,
  ): Promise<BalanceDto> {
    return BalanceDto.from(
      await this.balances.forUser(await this.subjects.resolve(principal, q.user_id)),
    );
  }

  @Get('usage')
  @Authenticated('read')
  @ApiOperation({
    summary: 'Your usage by day or by kind',
    description: 'List price, what you paid and what the subsidy saved. Admins may pass user_id.',
  })
  @ApiOkResponse({ type: UsageReportDto })
  @ApiErrors(400, 404)
  async usageReport(
    @CurrentPrincipal() principal: Principal,
    @Query() q: UsageQueryDto,
  ): Promise<UsageReportDto> {
    return UsageReportDto.from(
      await this.usage.report(await this.subjects.resolve(principal, q.user_id), {
        from: q.from,
        to: q.to,
        groupBy: q.group_by,
      }),
    );
  }

  @Get('invoices')
  @Authenticated('read')
  @ApiOperation({
    summary: 'Your invoices',
    description: 'From Lago when configured, else monthly statements computed from the ledger.',
  })
  @ApiOkResponse({ type: InvoiceListDto })
  @ApiErrors(400, 404, 502)
  async invoiceList(
    @CurrentPrincipal() principal: Principal,
    @Query() q: UserScopedQueryDto,
  ): Promise<InvoiceListDto> {
    const list = await this.invoices.forUser(await this.subjects.resolve(principal, q.user_id));
    return { data: list.map((i) => InvoiceDto.from(i)) };
  }

  @Get('ledger')
  @Authenticated('read')
  @ApiOperation({ summary: 'Your ledger entries, newest first (lines on your accounts)' })
  @ApiOkResponse({ type: JournalEntryListDto })
  @ApiErrors(400, 404)
  async entries(
    @CurrentPrincipal() principal: Principal,
    @Query() q: LedgerQueryDto,
  ): Promise<JournalEntryListDto> {
    const userId = await this.subjects.resolve(principal, q.user_id);
    const limit = q.limit ?? 50;
    const list = await this.ledger.entriesForUser(userId, limit, q.before);
    return {
      data: list.map((e) => JournalEntryDto.from(e, userId)),
      next_before: list.length === limit ? list[list.length - 1]!.id : null,
    };
  }

  @Get('prices')
  @Authenticated('read')
  @ApiOperation({ summary: 'The list prices per metric and GPU type, in credits per unit' })
  @ApiOkResponse({ type: PriceListDto })
  async priceList(): Promise<PriceListDto> {
    return { data: await this.prices.list() };
  }
}
