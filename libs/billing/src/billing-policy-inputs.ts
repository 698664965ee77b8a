import { Injectable, OnModuleInit } from '@nestjs/common';
import { PolicyInputRegistry } from '@nanopod/policy';
import { BalanceService } from './services/balance.service';
import { UsageQueryService } from './services/usage-query.service';
import { WelcomeCreditService } from './services/welcome-credit.service';

/**
 * Adds `usage` and `balance` to every subsidy decision's input:
 * `usage: {month_gpu_hours, month_sandbox_seconds, month_cost}`,
 * `balance: {available, currency: 'credits', credit_limit}` (credits = cents).
 */
@Injectable()
export class BillingPolicyInputs implements OnModuleInit {
  constructor(
    private readonly registry: PolicyInputRegistry,
    private readonly usage: UsageQueryService,
    private readonly balance: BalanceService,
    private readonly welcome: WelcomeCreditService,
  ) {}

  onModuleInit(): void {
    this.registry.register({
      key: 'usage',
      contribute: async (subject) => {
        const t = await this.usage.monthToDate(subject.userId);
        return {
          month_gpu_hours: t.gpuSeconds / 3600,
          month_sandbox_seconds: t.sandboxSeconds,
          month_cost: t.paidCredits,
        };
      },
    });
    this.registry.register({
      key: 'balance',
      contribute: async (subject) => {
        // A decision may lead to a charge: the credit is there before the balance is judged.
        await this.welcome.ensure(subject.userId);
        const b = await this.balance.forUser(subject.userId);
        return { available: b.available, currency: 'credits', credit_limit: b.creditLimit };
      },
    });
  }
}
