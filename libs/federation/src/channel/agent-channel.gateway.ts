import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CommonErrorCodes, NANOPOD_CONFIG, NanopodConfig, NanopodError } from '@nanopod/common';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { NodeEvents } from '../events/node-events';
import type { AgentMessage, PlatformMessage } from '../protocol/agent-protocol';
import { NodeAuthService } from '../services/node-auth.service';
import { NodesService } from '../services/nodes.service';
import { NodeChannel } from './node-channel';
import { NodeChannelRegistry } from './node-channel.registry';
import { FederationErrorCodes } from '../federation.errors';

const CHANNEL_PATH = /^\/v1\/agent\/nodes\/([^/?]+)\/channel(?:\?.*)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Files travel base64 in frames: 50 MB of file is ~67 MB of frame. */
const MAX_FRAME_BYTES = 128 * 1024 * 1024;
const PING_MS = 15000;

/**
 * `GET /v1/agent/nodes/:nodeId/channel`: the agent's WebSocket, on the Nest HTTP server's
 * `upgrade` event (ws with noServer), authenticated by the node credential before the upgrade.
 */
@Injectable()
export class AgentChannelGateway
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(AgentChannelGateway.name);
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  private server?: Server;
  private pinger?: NodeJS.Timeout;
  private readonly alive = new WeakSet<WebSocket>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly registry: NodeChannelRegistry,
    private readonly auth: NodeAuthService,
    private readonly nodes: NodesService,
    private readonly events: NodeEvents,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
    this.pinger = setInterval(() => {
      for (const ws of this.wss.clients) {
        if (!this.alive.has(ws)) {
          ws.terminate();
          continue;
        }
        this.alive.delete(ws);
        ws.ping();
      }
    }, PING_MS);
    this.pinger.unref();
  }

  /**
   * Before the HTTP server closes: an open WebSocket counts as a server connection, so the
   * server would wait on agents forever. Agents are told the platform is going away (they keep
   * their sandboxes and reconnect), then the sockets close; any that linger are cut after 1 s.
   */
  beforeApplicationShutdown(): Promise<void> {
    return this.releaseAgents();
  }

  /** Idempotent; the platform's stop calls it before draining HTTP, Nest's shutdown again. */
  async releaseAgents(): Promise<void> {
    this.server?.off('upgrade', this.onUpgrade);
    clearInterval(this.pinger);
    const stopping: PlatformMessage = { type: 'platform.stopping', reason: 'platform stopping' };
    const clients = [...this.wss.clients];
    const closed = clients.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          try {
            ws.send(JSON.stringify(stopping));
            // 1012: service restart (RFC 6455 registry); the agent reconnects.
            ws.close(1012, 'platform stopping');
          } catch {
            ws.terminate();
          }
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closed),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000))),
    ]);
    clearTimeout(timer);
    for (const ws of this.wss.clients) ws.terminate();
    this.registry.closeAll();
    if (clients.length)
      this.logger.log({ agents: clients.length }, 'agents told the platform stops');
  }

  onApplicationShutdown(): void {
    clearInterval(this.pinger);
    this.server?.off('upgrade', this.onUpgrade);
    this.registry.closeAll();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const m = CHANNEL_PATH.exec(req.url ?? '');
    // Other upgrade paths belong to other listeners.
    if (!m) return;
    // Checked before anything else: a malformed id (a bad %-escape throws in decoding) is the
    // caller's mistake, never an exception on the server's upgrade event.
    if (!UUID.test(m[1])) {
      const body = JSON.stringify({
        error: {
          code: CommonErrorCodes.validation,
          message: 'nodeId must be a UUID',
          details: null,
        },
      });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    void this.accept(m[1].toLowerCase(), req, socket, head);
  };

  private async accept(nodeId: string, req: IncomingMessage, socket: Duplex, head: Buffer) {
    try {
      await this.auth.verify(nodeId, req.headers.authorization);
    } catch (err) {
      const status = err instanceof NanopodError && err.kind === 'forbidden' ? 403 : 401;
      const code = err instanceof NanopodError ? err.code : FederationErrorCodes.credentialInvalid;
      const body = JSON.stringify({
        error: { code, message: (err as Error).message, details: null },
      });
      socket.end(
        `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Unauthorized'}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(nodeId, ws));
  }

  private open(nodeId: string, ws: WebSocket): void {
    const channel = new NodeChannel(nodeId, ws);
    this.registry.attach(channel);
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('message', (data) => {
      this.alive.add(ws);
      this.onMessage(channel, (data as Buffer).toString());
    });
    ws.on('close', () => {
      this.registry.detach(channel);
      this.logger.log({ nodeId }, 'node agent channel closed');
    });
    ws.on('error', (err) =>
      this.logger.warn({ nodeId, err: err.message }, 'node agent channel error'),
    );
    const welcome: PlatformMessage = {
      type: 'welcome',
      node_id: nodeId,
      heartbeat_interval_ms: this.config.nodeHeartbeatMs,
    };
    ws.send(JSON.stringify(welcome));
    this.logger.log({ nodeId }, 'node agent channel open');
  }

  private onMessage(channel: NodeChannel, text: string): void {
    let msg: AgentMessage;
    try {
      msg = JSON.parse(text) as AgentMessage;
    } catch {
      this.logger.warn({ nodeId: channel.nodeId }, 'node agent sent a frame that is not JSON');
      return;
    }
    switch (msg.type) {
      case 'hello':
        void this.nodes
          .touch(channel.nodeId, msg.agent_version)
          .then((lastHeardAt) =>
            this.events.emitHello(channel.nodeId, msg.sandboxes ?? [], lastHeardAt),
          )
          .catch((err: Error) =>
            this.logger.error(
              { nodeId: channel.nodeId, err: err.message },
              'hello reconciliation failed',
            ),
          );
        return;
      case 'usage':
        void this.events.emitUsage(channel.nodeId, msg);
        return;
      case 'sandbox.state':
        // A reply to start/stop/delete goes to its waiter; anything else is news for listeners.
        if (!channel.dispatch(msg)) void this.events.emitSandboxState(channel.nodeId, msg);
        return;
      default:
        if (!channel.dispatch(msg)) {
          this.logger.debug?.({ nodeId: channel.nodeId, type: msg.type }, 'reply nobody waits for');
        }
    }
  }
}
