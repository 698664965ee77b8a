export { UsageRecorder, UsageRecordInput, UsageMetric } from './usage/usage-recorder';
export { BillingModule } from './billing.module';
export { BillingErrorCodes } from './billing.errors';
export { LedgerService } from './ledger/ledger.service';
export {
  AccountKind,
  AccountRef,
  JournalEntry,
  PostingLine,
  PostingRequest,
  MICRO_PER_CREDIT,
} from './ledger/ledger.types';
export { BalanceService, UserBalance } from './services/balance.service';
export { UsageQueryService } from './services/usage-query.service';
export { TopUpService, TopUp } from './services/top-up.service';
export {
  ApiRequestMeter,
  ApiRequestCount,
  ApiRequestMinute,
  apiRequestsTransactionId,
} from './usage/api-request-meter';
export { ApiRequestCounter } from './usage/api-request-counter';
export { CostEstimator, CostEstimateRequest } from './usage/cost-estimator';
export { WelcomeCreditService, welcomeKey } from './services/welcome-credit.service';
export { OutboxShipper } from './outbox/outbox-shipper.service';
export { USAGE_METRICS, planCodeFor, subscriptionIdFor } from './usage/pricing';

import { BillingInit1764200000000 } from './migrations/1764200000000-billing-init';
import { LedgerBalancedCheck1764200000100 } from './migrations/1764200000100-ledger-balanced-check';
import { BalanceOnlyWhereKept1764200000200 } from './migrations/1764200000200-balance-only-where-kept';
/** This context's migrations, in order. */
export const billingMigrations = [
  BillingInit1764200000000,
  LedgerBalancedCheck1764200000100,
  BalanceOnlyWhereKept1764200000200,
];
