/** Money in the ledger is integer micro-credits; 1 credit = 1 cent = 1,000,000 micro. */
export const MICRO_PER_CREDIT = 1_000_000;

export type AccountKind =
  | 'user_wallet'
  | 'user_receivable'
  | 'subsidy_pool'
  | 'partner_earnings'
  | 'platform_revenue'
  | 'external';

export const ACCOUNT_KINDS: readonly AccountKind[] = [
  'user_wallet',
  'user_receivable',
  'subsidy_pool',
  'partner_earnings',
  'platform_revenue',
  'external',
];

/**
 * Accounts without a lower bound: the top-up source and the subsidy pool are the system's
 * counterparties, and a user's receivable records usage the wallet could not cover (a debt
 * settled by the next top-up). Everything else starts with a credit limit of zero.
 */
export const UNBOUNDED_KINDS: ReadonlySet<AccountKind> = new Set([
  'external',
  'subsidy_pool',
  'user_receivable',
]);

/**
 * Accounts whose balance is kept on the row and checked under a row lock: the ones debited
 * against a limit by many concurrent postings. Every other account is append-only: its balance
 * is the sum of its lines, and postings never lock or rewrite its row. That keeps the hot system
 * accounts (subsidy pool, platform revenue, a busy partner's earnings) from serializing every
 * usage posting on one row lock held until commit.
 */
export const CACHED_KINDS: ReadonlySet<AccountKind> = new Set(['user_wallet']);

export interface AccountRef {
  kind: AccountKind;
  /** User id, partner id, or '' for the singleton system accounts. */
  ownerId: string;
}

export interface PostingLine {
  account: AccountRef;
  amountMicro: number;
}

export interface PostingRequest {
  /** Unique; posting the same key again returns the original entry and changes nothing. */
  idempotencyKey: string;
  kind: string;
  userId?: string | null;
  memo?: string | null;
  metadata?: Record<string, unknown>;
  lines: PostingLine[];
}

export interface Account {
  id: number;
  kind: AccountKind;
  ownerId: string;
  /** For append-only accounts only known when asked for (`withBalances`); else NaN. */
  balanceMicro: number;
  /** null: no lower bound. */
  creditLimitMicro: number | null;
}

export interface JournalLine {
  accountId: number;
  kind: AccountKind;
  ownerId: string;
  amountMicro: number;
  /** null for append-only accounts. */
  balanceAfterMicro: number | null;
}

export interface JournalEntry {
  id: number;
  idempotencyKey: string;
  kind: string;
  userId: string | null;
  memo: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  lines: JournalLine[];
  /** True when the idempotency key had been used: this is the original entry. */
  replayed: boolean;
}

export const accountLabel = (a: AccountRef): string =>
  a.ownerId ? `${a.kind}:${a.ownerId}` : a.kind;

export const toCredits = (micro: number): number => micro / MICRO_PER_CREDIT;
export const toMicro = (credits: number): number => Math.round(credits * MICRO_PER_CREDIT);
