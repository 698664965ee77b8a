import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import { DATABASE_OPTIONS, DatabaseOptions } from '../database/database.module';

export type BusHandler = (payload: string) => void;

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
export const BUS_MAX_PAYLOAD_BYTES = 7900;
/** Publishes kept while the connection is down; past this the oldest are dropped (and logged). */
const MAX_QUEUED = 10_000;
const APPLICATION_NAME = 'nanopod_cluster_bus';

/**
 * Messages to every platform instance: PostgreSQL LISTEN/NOTIFY on a dedicated connection.
 * PGlite serves one process and has no cross-process notifications, so there it is an
 * in-process emitter (which is every instance there is).
 *
 * A lost connection is reopened (LISTENs restored) and what was published meanwhile is sent
 * then, in order, and delivered locally at once: a revocation reaches the other replicas as soon
 * as the database is back, not at their next cache expiry. Notifications sent while this
 * instance was not listening are not replayed (PostgreSQL does not keep them); subscribers that
 * cache must expire entries on their own as well.
 */
@Injectable()
export class ClusterBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ClusterBus.name);
  private readonly local = new EventEmitter();
  private client?: Client;
  private readonly listening = new Set<string>();
  private readonly queued: Array<{ channel: string; payload: string }> = [];
  private closed = false;
  private reconnecting = false;

  constructor(@Inject(DATABASE_OPTIONS) private readonly options: DatabaseOptions) {
    this.local.setMaxListeners(0);
  }

  /** True on PostgreSQL: other processes may be listening. */
  get distributed(): boolean {
    return this.options.kind === 'postgres';
  }

  get connected(): boolean {
    return !this.distributed || this.client !== undefined;
  }

  async onModuleInit(): Promise<void> {
    if (!this.distributed) return;
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.options.url,
      application_name: APPLICATION_NAME,
      keepAlive: true,
    });
    client.on('notification', (msg) => this.local.emit(msg.channel, msg.payload ?? ''));
    const lost = (why: string) => {
      if (this.closed || this.client !== client) return;
      this.logger.warn({ why }, 'cluster bus connection lost; reconnecting');
      this.client = undefined;
      client.end().catch(() => undefined);
      this.scheduleReconnect(250);
    };
    client.on('error', (err) => lost(err.message));
    client.on('end', () => lost('connection ended'));
    await client.connect();
    for (const channel of this.listening) await client.query(`LISTEN ${channel}`);
    this.client = client;
    await this.flush();
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.closed || this.reconnecting) return;
    this.reconnecting = true;
    setTimeout(() => {
      this.reconnecting = false;
      if (this.closed || this.client) return;
      this.connect().catch(() => this.scheduleReconnect(Math.min(delayMs * 2, 5000)));
    }, delayMs).unref();
  }

  /** Sends what was published while disconnected, oldest first. */
  private async flush(): Promise<void> {
    while (this.queued.length && this.client) {
      const next = this.queued[0]!;
      try {
        await this.client.query('SELECT pg_notify($1, $2)', [next.channel, next.payload]);
        this.queued.shift();
      } catch {
        return; // the connection went again; the next connect flushes
      }
    }
  }

  async subscribe(channel: string, handler: BusHandler): Promise<void> {
    if (!CHANNEL.test(channel)) throw new Error(`invalid bus channel ${channel}`);
    this.local.on(channel, handler);
    if (!this.listening.has(channel)) {
      this.listening.add(channel);
      if (this.client) await this.client.query(`LISTEN ${channel}`);
    }
  }

  unsubscribe(channel: string, handler: BusHandler): void {
    this.local.off(channel, handler);
  }

  async publish(channel: string, payload: string): Promise<void> {
    if (!CHANNEL.test(channel)) throw new Error(`invalid bus channel ${channel}`);
    if (Buffer.byteLength(payload) > BUS_MAX_PAYLOAD_BYTES) {
      throw new Error(`bus payload over ${BUS_MAX_PAYLOAD_BYTES} bytes on ${channel}`);
    }
    if (!this.distributed) {
      this.local.emit(channel, payload);
      return;
    }
    if (this.client && !this.queued.length) {
      try {
        await this.client.query('SELECT pg_notify($1, $2)', [channel, payload]);
        return;
      } catch {
        // fall through: queued and sent after the reconnect
      }
    }
    this.enqueue(channel, payload);
    // Here at once; the others when the connection is back (the flush also reaches us again,
    // which subscribers tolerate: every message on the bus is idempotent).
    this.local.emit(channel, payload);
  }

  private enqueue(channel: string, payload: string): void {
    if (this.queued.length >= MAX_QUEUED) {
      this.queued.shift();
      this.logger.warn({ channel }, 'cluster bus queue full; dropped the oldest message');
    }
    this.queued.push({ channel, payload });
    if (!this.client) this.scheduleReconnect(250);
    else void this.flush();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
