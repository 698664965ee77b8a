import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The market: one row per book (its version tells a replica whether its in-memory book is
 * current), orders, the fills (one row per block of a buy served by a sell; the unique key is
 * what makes settling twice impossible), and the spot price history.
 */
export class MarketInit1796290000000 implements MigrationInterface {
  name = 'MarketInit1796290000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE market_books (
        zone text NOT NULL,
        instance_type text NOT NULL,
        version bigint NOT NULL DEFAULT 0,
        next_seq bigint NOT NULL DEFAULT 1,
        last_price_cents integer,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (zone, instance_type)
      )`);
    await q.query(`
      CREATE TABLE market_orders (
        id uuid PRIMARY KEY,
        zone text NOT NULL,
        instance_type text NOT NULL,
        side text NOT NULL CHECK (side IN ('buy', 'sell')),
        owner_kind text NOT NULL CHECK (owner_kind IN ('user', 'partner')),
        owner_id uuid NOT NULL,
        placed_by uuid NOT NULL,
        capacity_id uuid,
        nodes integer NOT NULL CHECK (nodes > 0),
        gpus_per_node integer NOT NULL,
        start_at timestamptz NOT NULL,
        end_at timestamptz NOT NULL,
        price_cents integer NOT NULL CHECK (price_cents >= 0),
        ioc boolean NOT NULL DEFAULT false,
        post_only boolean NOT NULL DEFAULT false,
        status text NOT NULL,
        status_reason text,
        seq bigint NOT NULL,
        executed_node_hours integer NOT NULL DEFAULT 0,
        execution_cost_micro bigint NOT NULL DEFAULT 0,
        subsidy jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CHECK (end_at > start_at)
      )`);
    await q.query(
      `CREATE INDEX market_orders_book_open_idx ON market_orders (zone, instance_type, status)`,
    );
    await q.query(
      `CREATE INDEX market_orders_placed_by_idx ON market_orders (placed_by, created_at)`,
    );
    await q.query(`CREATE INDEX market_orders_capacity_idx ON market_orders (capacity_id)`);
    await q.query(`
      CREATE TABLE market_fills (
        id bigserial PRIMARY KEY,
        zone text NOT NULL,
        instance_type text NOT NULL,
        buy_order_id uuid NOT NULL REFERENCES market_orders(id),
        sell_order_id uuid NOT NULL REFERENCES market_orders(id),
        buyer_id uuid NOT NULL,
        seller_kind text NOT NULL,
        seller_id uuid NOT NULL,
        block_start timestamptz NOT NULL,
        nodes integer NOT NULL CHECK (nodes > 0),
        price_cents integer NOT NULL,
        gpus_per_node integer NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (buy_order_id, sell_order_id, block_start)
      )`);
    await q.query(
      `CREATE INDEX market_fills_sell_idx ON market_fills (sell_order_id, block_start)`,
    );
    await q.query(`CREATE INDEX market_fills_buyer_idx ON market_fills (buyer_id, block_start)`);
    await q.query(`
      CREATE TABLE market_prices (
        id bigserial PRIMARY KEY,
        zone text NOT NULL,
        instance_type text NOT NULL,
        price_cents integer NOT NULL,
        nodes integer NOT NULL,
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX market_prices_book_idx ON market_prices (zone, instance_type, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE market_prices');
    await q.query('DROP TABLE market_fills');
    await q.query('DROP TABLE market_orders');
    await q.query('DROP TABLE market_books');
  }
}
