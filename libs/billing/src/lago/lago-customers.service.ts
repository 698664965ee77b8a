import { Injectable } from '@nestjs/common';
import { UsersService } from '@nanopod/identity';
import { DataSource } from 'typeorm';
import type { OutboxRow } from '../outbox/outbox.repository';
import { PlanCode, subscriptionIdFor } from '../usage/pricing';
import { LagoGateway } from './lago-gateway';

/**
 * Creates a Lago customer (external_customer_id = user id) and a subscription per plan the first
 * time a user's usage ships, and remembers that they exist (table + memory) so it happens once.
 * Both calls are idempotent in Lago, so a crash between creating and remembering is harmless.
 */
@Injectable()
export class LagoCustomersService {
  private readonly knownCustomers = new Set<string>();
  private readonly knownSubscriptions = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly lago: LagoGateway,
    private readonly users: UsersService,
  ) {}

  /** Makes sure every row's customer and subscription exist; returns the rows, in order. */
  async ensureFor(rows: OutboxRow[]): Promise<OutboxRow[]> {
    const subs = new Map<string, { userId: string; plan: string }>();
    for (const r of rows) {
      const id = subscriptionIdFor(r.userId, r.planCode as PlanCode);
      if (!this.knownSubscriptions.has(id)) subs.set(id, { userId: r.userId, plan: r.planCode });
    }
    if (subs.size === 0) return rows;
    const m = this.dataSource.manager;
    const existing = (await m.query(
      `SELECT external_id FROM billing_lago_subscriptions WHERE external_id = ANY($1::text[])`,
      [[...subs.keys()]],
    )) as { external_id: string }[];
    for (const e of existing) {
      this.knownSubscriptions.add(e.external_id);
      subs.delete(e.external_id);
    }
    for (const [externalId, { userId, plan }] of subs) {
      await this.ensureCustomer(userId);
      await this.lago.ensureSubscription({
        externalId,
        externalCustomerId: userId,
        planCode: plan,
      });
      await m.query(
        `INSERT INTO billing_lago_subscriptions (external_id, user_id, plan_code) VALUES ($1, $2, $3)
         ON CONFLICT (external_id) DO NOTHING`,
        [externalId, userId, plan],
      );
      this.knownSubscriptions.add(externalId);
    }
    return rows;
  }

  private async ensureCustomer(userId: string): Promise<void> {
    if (this.knownCustomers.has(userId)) return;
    const m = this.dataSource.manager;
    const found = (await m.query(`SELECT 1 FROM billing_lago_customers WHERE user_id = $1`, [
      userId,
    ])) as unknown[];
    if (found.length === 0) {
      const user = await this.users.get(userId).catch(() => null);
      await this.lago.upsertCustomer({
        externalId: userId,
        name: user?.displayName ?? user?.githubLogin ?? null,
        email: user?.email ?? null,
      });
      await m.query(
        `INSERT INTO billing_lago_customers (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING`,
        [userId],
      );
    }
    this.knownCustomers.add(userId);
  }
}
