import { randomInt, randomUUID } from 'node:crypto';
import { LedgerService, TopUpService } from '@nanopod/billing';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform } from '../../../test/support/test-platform';
import { ledgerAudit, recordUsage, usageRecord } from './support/usage';

/**
 * 2,000 postings on PostgreSQL (PGlite is one session, so a smaller run there), 64 in flight
 * against the platform's pool of 10: every posting waits for a connection and the row locks of
 * the 12 wallets are contended throughout. 10,000 took five times as long and exercised the same
 * interleavings: the property is checked once, at the end, over whatever the run produced.
 */
const POSTINGS = { postgres: 2_000, pglite: 600 } as const;
const IN_FLIGHT = 64;

describe.each(databaseKinds())('credit ledger under concurrent postings (%s)', (kind) => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({
      kind,
      env: { NANOPOD_WELCOME_CREDITS: '0', NANOPOD_API_METER_FLUSH_MS: '3600000' },
    });
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  it('sums to zero over all accounts and keeps every balance within its limit', async () => {
    const ledger = platform.app.get(LedgerService);
    const topUps = platform.app.get(TopUpService);
    const users = Array.from({ length: 12 }, () => randomUUID());
    const keys: string[] = [];
    const outcomes = { ok: 0, refused: 0, replayed: 0 };
    const wallet = (u: string) => ({ kind: 'user_wallet' as const, ownerId: u });

    const one = async (): Promise<void> => {
      const dice = randomInt(100);
      const a = users[randomInt(users.length)]!;
      const b = users[randomInt(users.length)]!;
      try {
        if (dice < 20) {
          await topUps.topUp({
            userId: a,
            amount: randomInt(1, 500),
            idempotencyKey: randomUUID(),
            source: 'admin',
          });
        } else if (dice < 30 && keys.length > 0) {
          // Replays of a key used before: never a second effect.
          const entry = await ledger.post({
            idempotencyKey: keys[randomInt(keys.length)]!,
            kind: 'transfer',
            lines: [
              { account: wallet(a), amountMicro: -1 },
              { account: wallet(b), amountMicro: 1 },
            ],
          });
          if (entry.replayed) outcomes.replayed += 1;
          return;
        } else if (dice < 45) {
          await recordUsage(platform, [
            usageRecord(a, {
              quantity: randomInt(1, 120),
              subsidy: { tier: 'passport', rate_multiplier: randomInt(0, 5) / 4 },
              properties: { gpu_type: 'l4', partner_id: randomInt(2) ? 'p1' : null },
            }),
          ]);
        } else if (a !== b) {
          const key = randomUUID();
          keys.push(key);
          const amount = randomInt(1, 300) * 1_000_000;
          await ledger.post({
            idempotencyKey: key,
            kind: 'transfer',
            lines: [
              { account: wallet(a), amountMicro: -amount },
              { account: wallet(b), amountMicro: amount },
            ],
          });
        }
        outcomes.ok += 1;
      } catch (err) {
        if ((err as { code?: string }).code !== 'billing.insufficient_funds') throw err;
        outcomes.refused += 1;
      }
    };

    let started = 0;
    const worker = async () => {
      while (started < POSTINGS[kind]) {
        started += 1;
        await one();
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
    const audit = await ledgerAudit(platform);
    expect(audit).toEqual({ total: 0, lines: 0, unbalanced: 0, drifted: 0, below: 0 });
  }, 600_000);
});
