import { Injectable } from '@nestjs/common';
import { LedgerService } from '../ledger/ledger.service';
import { Account, toCredits } from '../ledger/ledger.types';

export interface UserBalance {
  userId: string;
  /** Wallet balance in credits (cents). */
  balance: number;
  /** Usage the wallet could not cover, owed (credits, >= 0). */
  owed: number;
  creditLimit: number;
  /** What the user can still spend: balance + credit limit - owed. */
  available: number;
}

@Injectable()
export class BalanceService {
  constructor(private readonly ledger: LedgerService) {}

  /**
   * The user's balance, read only: the welcome credit is granted at sign-in (WelcomeCreditHooks)
   * and before a charge or a subsidy decision, never by a look (a GET a cross-site page could
   * trigger).
   */
  async forUser(userId: string): Promise<UserBalance> {
    const [wallet, receivable] = await Promise.all([
      this.ledger.account({ kind: 'user_wallet', ownerId: userId }),
      this.ledger.account({ kind: 'user_receivable', ownerId: userId }),
    ]);
    return toBalance(userId, wallet, receivable);
  }

  async setCreditLimit(userId: string, credits: number): Promise<UserBalance> {
    await this.ledger.setCreditLimit(
      { kind: 'user_wallet', ownerId: userId },
      Math.round(credits * 1_000_000),
    );
    return this.forUser(userId);
  }
}

function toBalance(
  userId: string,
  wallet: Account | null,
  receivable: Account | null,
): UserBalance {
  const balanceMicro = wallet?.balanceMicro ?? 0;
  const limitMicro = wallet?.creditLimitMicro ?? 0;
  const owedMicro = Math.max(0, -(receivable?.balanceMicro ?? 0));
  return {
    userId,
    balance: toCredits(balanceMicro),
    owed: toCredits(owedMicro),
    creditLimit: toCredits(limitMicro),
    available: toCredits(balanceMicro + limitMicro - owedMicro),
  };
}
