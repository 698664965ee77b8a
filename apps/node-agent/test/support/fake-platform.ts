import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { AgentMessage, EnrollRequest, Heartbeat, PlatformMessage } from '@nanopod/federation';

interface FakeNode {
  node_id: string;
  credential: string;
  name: string;
}

/**
 * The platform side of the agent protocol, small: single-use enrollment tokens, heartbeats
 * checked against the node's credential, and the channel. Records everything the agent sends.
 * (The real platform is tested against the agent by the federation/sandbox e2e tests.)
 */
export class FakePlatform {
  readonly tokens = new Set<string>();
  readonly nodes = new Map<string, FakeNode>();
  readonly heartbeats: Array<{ node_id: string; body: Heartbeat }> = [];
  readonly frames: AgentMessage[] = [];
  readonly connections: WebSocket[] = [];
  heartbeatIntervalMs = 200;
  private server!: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private waiters: Array<{
    match: (m: AgentMessage) => boolean;
    resolve: (m: AgentMessage) => void;
  }> = [];
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.route(req, res));
    this.server.on('upgrade', (req, socket, head) => {
      const m = /^\/v1\/agent\/nodes\/([^/]+)\/channel$/.exec(req.url ?? '');
      const node = m ? this.nodes.get(decodeURIComponent(m[1])) : undefined;
      if (!node || req.headers.authorization !== `Bearer ${node.credential}`) {
        socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.connections.push(ws);
        ws.on('message', (data) => this.onFrame(JSON.parse(data.toString()) as AgentMessage));
        this.send({
          type: 'welcome',
          node_id: node.node_id,
          heartbeat_interval_ms: this.heartbeatIntervalMs,
        });
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  issueToken(): string {
    const token = `npe_${randomBytes(4).toString('hex')}_${randomBytes(16).toString('hex')}`;
    this.tokens.add(token);
    return token;
  }

  /** Sends to the newest open connection. */
  send(message: PlatformMessage): void {
    const ws = [...this.connections].reverse().find((c) => c.readyState === WebSocket.OPEN);
    if (!ws) throw new Error('no open agent connection');
    ws.send(JSON.stringify(message));
  }

  dropConnections(): void {
    for (const ws of this.connections) ws.terminate();
  }

  waitFor(
    match: (m: AgentMessage) => boolean,
    timeoutMs = 20_000,
    fromIndex = 0,
  ): Promise<AgentMessage> {
    const found = this.frames.slice(fromIndex).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new Error('timed out waiting for an agent frame')),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolvePromise(m);
        },
      });
    });
  }

  async stop(): Promise<void> {
    for (const ws of this.connections) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private onFrame(message: AgentMessage): void {
    this.frames.push(message);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(message)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : null;
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const error = (status: number, code: string, message: string) =>
      reply(status, { error: { code, message, details: null } });
    if (req.method === 'POST' && req.url === '/v1/agent/enroll') {
      const request = body as EnrollRequest;
      if (!this.tokens.has(request.token))
        return error(
          401,
          'federation.token_invalid',
          'enrollment token is invalid, expired or used',
        );
      this.tokens.delete(request.token);
      const node_id = `node_${randomBytes(6).toString('hex')}`;
      const credential = `npn_${node_id.slice(5)}_${randomBytes(24).toString('hex')}`;
      this.nodes.set(node_id, { node_id, credential, name: request.name });
      return reply(201, { node_id, credential, heartbeat_interval_ms: this.heartbeatIntervalMs });
    }
    const hb = /^\/v1\/agent\/nodes\/([^/]+)\/heartbeat$/.exec(req.url ?? '');
    if (req.method === 'POST' && hb) {
      const node = [...this.nodes.values()].find(
        (n) => req.headers.authorization === `Bearer ${n.credential}`,
      );
      if (!node) return error(401, 'federation.credential_invalid', 'node credential is invalid');
      if (node.node_id !== hb[1])
        return error(403, 'federation.node_mismatch', 'credential belongs to another node');
      this.heartbeats.push({ node_id: node.node_id, body: body as Heartbeat });
      return reply(200, {
        node_id: node.node_id,
        state: 'running',
        cordoned: false,
        heartbeat_interval_ms: this.heartbeatIntervalMs,
      });
    }
    error(404, 'http.not_found', 'no such route');
  }
}
