import WebSocket from 'ws';
import type { AgentMessage, PlatformMessage } from '@nanopod/federation';
import type { AgentLogger } from '../logger';

export interface AgentChannelOptions {
  url: string;
  credential: string;
  logger: AgentLogger;
  /** Built fresh for every connection: what the agent runs right now. */
  hello: () => AgentMessage;
  onMessage: (message: PlatformMessage) => void;
  onConnected?: () => void;
  /** Backoff bounds; the protocol fixes 250 ms doubling to 10 s. */
  min_backoff_ms?: number;
  max_backoff_ms?: number;
}

const QUEUE_LIMIT_BYTES = 8 * 1048576;
const KEEPALIVE_MS = 15_000;

/** Delay before reconnect attempt `attempt` (0-based): 250 ms doubling, capped, +-20% jitter. */
export function backoffDelay(attempt: number, min = 250, max = 10_000): number {
  const base = Math.min(max, min * 2 ** Math.min(attempt, 20));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * The agent's WebSocket to the platform. Reconnects forever with backoff; the first frame of
 * every connection is `hello`. Frames sent while disconnected wait in a bounded queue (state
 * changes always kept; output and usage dropped past the bound) and follow the hello.
 */
export class AgentChannel {
  private ws: WebSocket | null = null;
  private open = false;
  private closed = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private keepalive: NodeJS.Timeout | null = null;
  private alive = true;
  private queue: string[] = [];
  private queueBytes = 0;
  private droppedWarned = false;
  private readonly log: AgentLogger;

  constructor(private readonly options: AgentChannelOptions) {
    this.log = options.logger.child({ context: 'AgentChannel' });
  }

  get connected(): boolean {
    return this.open;
  }

  start(): void {
    this.connect();
  }

  send(message: AgentMessage): void {
    const frame = JSON.stringify(message);
    if (this.open && this.ws?.readyState === WebSocket.OPEN) {
      this.ws.send(frame);
      return;
    }
    if (
      this.queueBytes + frame.length > QUEUE_LIMIT_BYTES &&
      (message.type === 'exec.output' || message.type === 'usage')
    ) {
      if (!this.droppedWarned)
        this.log.warn('disconnected and queue full: dropping output and usage frames');
      this.droppedWarned = true;
      return;
    }
    this.queue.push(frame);
    this.queueBytes += frame.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.keepalive) clearInterval(this.keepalive);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolvePromise) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolvePromise();
      }, 1000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolvePromise();
      });
      ws.close(1000, 'agent stopping');
    });
  }

  private connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(this.options.url, {
      headers: { authorization: `Bearer ${this.options.credential}` },
      handshakeTimeout: 10_000,
      // Uploads are at most 50 MB, ~67 MB as base64 in a frame.
      maxPayload: 128 * 1048576,
      perMessageDeflate: false,
    });
    this.ws = ws;
    ws.on('open', () => {
      this.attempt = 0;
      this.alive = true;
      ws.send(JSON.stringify(this.options.hello()));
      this.open = true;
      const pending = this.queue;
      this.queue = [];
      this.queueBytes = 0;
      this.droppedWarned = false;
      for (const frame of pending) ws.send(frame);
      this.keepalive = setInterval(() => {
        if (!this.alive) {
          this.log.warn('no pong from the platform: reconnecting');
          ws.terminate();
          return;
        }
        this.alive = false;
        ws.ping();
      }, KEEPALIVE_MS);
      this.log.info({ url: this.options.url }, 'connected');
      this.options.onConnected?.();
    });
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: PlatformMessage;
      try {
        message = JSON.parse(data.toString()) as PlatformMessage;
      } catch {
        this.log.warn('unparsable frame from the platform ignored');
        return;
      }
      this.options.onMessage(message);
    });
    ws.on('unexpected-response', (_req, res) => {
      this.log.error({ status: res.statusCode }, 'platform refused the channel');
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => {
      this.log.debug({ err: err.message }, 'channel error');
    });
    ws.on('close', (code) => {
      const wasOpen = this.open;
      this.open = false;
      if (this.keepalive) clearInterval(this.keepalive);
      this.keepalive = null;
      if (this.ws === ws) this.ws = null;
      if (this.closed) return;
      const delay = backoffDelay(
        this.attempt++,
        this.options.min_backoff_ms,
        this.options.max_backoff_ms,
      );
      if (wasOpen) this.log.warn({ code, retry_in_ms: delay }, 'disconnected');
      else this.log.debug({ retry_in_ms: delay }, 'connect failed');
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }
}
