import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
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

  /**
   * Row-locks the user's wallet in `manager`'s transaction and returns what the user can spend
   * (micro-credits: balance + credit limit - owed). Holds against the wallet (sandbox
   * reservations) are checked under this lock, the same one every debit of the wallet takes.
   */
  async lockAvailableMicro(manager: EntityManager, userId: string): Promise<number> {
    const wallet = { kind: 'user_wallet' as const, ownerId: userId };
    const receivable = { kind: 'user_receivable' as const, ownerId: userId };
    const accounts = await this.ledger.lockAndRead(manager, [wallet, receivable], [receivable]);
    const w = accounts.find((a) => a.kind === 'user_wallet');
    const r = accounts.find((a) => a.kind === 'user_receivable');
    const owed = Math.max(0, -(r?.balanceMicro ?? 0));
    return (w?.balanceMicro ?? 0) + (w?.creditLimitMicro ?? 0) - owed;
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
