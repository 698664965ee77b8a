import { Module } from '@nestjs/common';
import {
  MetricsModule,
  NANOPOD_CONFIG,
  NanopodConfig,
  RequestObserversModule,
} from '@nanopod/common';
import { IdentityModule } from '@nanopod/identity';
import { PolicyModule } from '@nanopod/policy';
import { BillingPolicyInputs } from './billing-policy-inputs';
import { BillingAdminController } from './controllers/billing-admin.controller';
import { BillingController } from './controllers/billing.controller';
import { LagoWebhookController } from './controllers/lago-webhook.controller';
import { RawBodyRegistrar } from './controllers/raw-body.registrar';
import { BillingSubjects } from './controllers/subject';
import { LagoClientAdapter, NoLagoGateway } from './lago/lago-client.adapter';
import { LagoCustomersService } from './lago/lago-customers.service';
import { LagoGateway } from './lago/lago-gateway';
import { LedgerRepository } from './ledger/ledger.repository';
import { LedgerService } from './ledger/ledger.service';
import { OutboxShipper } from './outbox/outbox-shipper.service';
import { OutboxRepository } from './outbox/outbox.repository';
import { BalanceService } from './services/balance.service';
import { InvoicesService } from './services/invoices.service';
import { LagoWebhookService } from './services/lago-webhook.service';
import { OutboxAdminService } from './services/outbox-admin.service';
import { PricesService } from './services/prices.service';
import { TopUpService } from './services/top-up.service';
import { UsageQueryService } from './services/usage-query.service';
import { StatementsRepository } from './statements/statements.repository';
import { WelcomeCreditService } from './services/welcome-credit.service';
import { WelcomeCreditHooks } from './services/welcome-credit.hooks';
import { ApiRequestCounter } from './usage/api-request-counter';
import { ApiRequestMeter } from './usage/api-request-meter';
import { CostEstimator } from './usage/cost-estimator';
import { MeteringService } from './usage/metering.service';
import { PriceList } from './usage/price-list';
import { UsageEventsRepository } from './usage/usage-events.repository';
import { UsageRecorder } from './usage/usage-recorder';

/**
 * Usage metering, the Lago outbox, the double-entry credit ledger, invoices. Compute
 * contexts import it to record usage through the UsageRecorder port inside their own transactions.
 */
@Module({
  imports: [IdentityModule, PolicyModule, MetricsModule, RequestObserversModule],
  controllers: [BillingController, BillingAdminController, LagoWebhookController],
  providers: [
    RawBodyRegistrar,
    BillingSubjects,
    LedgerRepository,
    LedgerService,
    PriceList,
    UsageEventsRepository,
    OutboxRepository,
    StatementsRepository,
    MeteringService,
    { provide: UsageRecorder, useExisting: MeteringService },
    {
      provide: LagoGateway,
      inject: [NANOPOD_CONFIG],
      useFactory: (config: NanopodConfig): LagoGateway =>
        config.billing.lago
          ? new LagoClientAdapter(
              config.billing.lago.apiUrl,
              config.billing.lago.apiKey,
              config.billing.lago.timeoutMs,
            )
          : new NoLagoGateway(),
    },
    LagoCustomersService,
    OutboxShipper,
    BalanceService,
    UsageQueryService,
    TopUpService,
    InvoicesService,
    LagoWebhookService,
    OutboxAdminService,
    PricesService,
    ApiRequestMeter,
    ApiRequestCounter,
    WelcomeCreditService,
    WelcomeCreditHooks,
    CostEstimator,
    BillingPolicyInputs,
  ],
  exports: [
    UsageRecorder,
    LedgerService,
    BalanceService,
    UsageQueryService,
    TopUpService,
    ApiRequestMeter,
    ApiRequestCounter,
    WelcomeCreditService,
    CostEstimator,
  ],
})
export class BillingModule {}
