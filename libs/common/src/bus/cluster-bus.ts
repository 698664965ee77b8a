import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import { DATABASE_OPTIONS, DatabaseOptions } from '../database/database.module';

export type BusHandler = (payload: string) => void;

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Messages to every platform instance: PostgreSQL LISTEN/NOTIFY on a dedicated connection.
 * PGlite serves one process and has no cross-process notifications, so there it is an
 * in-process emitter (which is every instance there is).
 */
@Injectable()
export class ClusterBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ClusterBus.name);
  private readonly local = new EventEmitter();
  private client?: Client;
  private readonly listening = new Set<string>();
  private closed = false;

  constructor(@Inject(DATABASE_OPTIONS) private readonly options: DatabaseOptions) {
    this.local.setMaxListeners(0);
  }

  async onModuleInit(): Promise<void> {
    if (this.options.kind !== 'postgres') return;
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.options.url });
    client.on('notification', (msg) => this.local.emit(msg.channel, msg.payload ?? ''));
    client.on('error', (err) => {
      if (this.closed) return;
      this.logger.warn({ err: err.message }, 'cluster bus connection lost; reconnecting');
      this.client = undefined;
      setTimeout(() => void this.reconnect(), 500).unref();
    });
    await client.connect();
    this.client = client;
    for (const channel of this.listening) await client.query(`LISTEN ${channel}`);
  }

  private async reconnect(): Promise<void> {
    if (this.closed || this.client) return;
    try {
      await this.connect();
    } catch {
      setTimeout(() => void this.reconnect(), 1000).unref();
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

  async publish(channel: string, payload: string): Promise<void> {
    if (!CHANNEL.test(channel)) throw new Error(`invalid bus channel ${channel}`);
    if (this.options.kind === 'postgres' && this.client) {
      await this.client.query('SELECT pg_notify($1, $2)', [channel, payload]);
    } else {
      this.local.emit(channel, payload);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }
}
