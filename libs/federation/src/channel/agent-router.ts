import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  BUS_MAX_PAYLOAD_BYTES,
  ClusterBus,
  NanopodError,
  Reconciler,
  UnavailableError,
  UpstreamError,
} from '@nanopod/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { FederationErrorCodes } from '../federation.errors';
import type { PlatformMessage } from '../protocol/agent-protocol';
import { AgentRpcBodiesRepository } from '../repositories/agent-rpc-bodies.repository';
import { directChannel, fromWireError, PRESENCE_CHANNEL, toWireError, Wire } from './agent-wire';
import type { AgentLink, AgentReply, ExecExit, ExecOutput, WithoutId } from './node-channel';

/** Replicas re-announce what they hold this often; an entry not re-announced expires. */
const ANNOUNCE_MS = 10_000;
const PRESENCE_TTL_MS = 35_000;
/** How long the holder has to confirm a call before the node counts as not connected. */
const ACK_MS = 5_000;
const BODY_TTL_MS = 5 * 60_000;

interface Waiting {
  acked: boolean;
  onAck(): void;
  onOutput(msg: ExecOutput): void;
  onReply(msg: AgentReply): void;
  onError(err: NanopodError): void;
}

type LocalLookup = (nodeId: string) => AgentLink | undefined;

/**
 * Several replicas, one platform: an agent's WebSocket lives on the replica it connected to;
 * the others reach it through this router over the cluster bus (PostgreSQL LISTEN/NOTIFY).
 * Each replica announces the nodes it holds; a call goes to the holder's own channel, which
 * acknowledges, runs it on the socket and sends the reply (and exec output as it arrives)
 * back. Messages over NOTIFY's size cap travel through federation_agent_rpc_bodies. Messages
 * of one replica are handled in the order they were sent. On PGlite (one process) it is idle.
 */
@Injectable()
export class AgentRouter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AgentRouter.name);
  readonly instanceId = randomBytes(8).toString('hex');
  private readonly remote = new Map<string, { instance: string; seenAt: number }>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly serving = new Map<string, AbortController>();
  private local: LocalLookup = () => undefined;
  private localIds: () => string[] = () => [];
  private receiving: Promise<void> = Promise.resolve();
  private sending: Promise<void> = Promise.resolve();
  /** Re-announces this replica's agents (announcements expire) and forgets stale ones. */
  private readonly presence = new Reconciler(
    { name: 'federation.agent-presence', intervalMs: ANNOUNCE_MS },
    () => this.tick(),
  );
  private active = false;

  constructor(
    private readonly bus: ClusterBus,
    private readonly bodies: AgentRpcBodiesRepository,
  ) {}

  /** The registry's local channels (set by NodeChannelRegistry, which this must not import). */
  bindLocal(lookup: LocalLookup, ids: () => string[]): void {
    this.local = lookup;
    this.localIds = ids;
  }

  async onModuleInit(): Promise<void> {
    if (!this.bus.distributed) return;
    this.active = true;
    await this.bus.subscribe(PRESENCE_CHANNEL, (p) => this.onPresence(p));
    await this.bus.subscribe(directChannel(this.instanceId), (p) => {
      this.receiving = this.receiving
        .then(() => this.onDirect(p))
        .catch((err: Error) => this.logger.warn({ err: err.message }, 'agent call message lost'));
    });
    await this.publishPresence({ op: 'who', i: this.instanceId });
    this.presence.start();
  }

  onApplicationShutdown(): void {
    void this.presence.stop();
    if (!this.active) return;
    const ids = this.localIds();
    if (ids.length) void this.publishPresence({ op: 'presence', i: this.instanceId, down: ids });
  }

  announceUp(nodeId: string): void {
    this.remote.delete(nodeId);
    if (this.active)
      void this.publishPresence({ op: 'presence', i: this.instanceId, up: [nodeId] });
  }

  announceDown(nodeId: string): void {
    if (this.active) {
      void this.publishPresence({ op: 'presence', i: this.instanceId, down: [nodeId] });
    }
  }

  /** A link to a node held by another replica, if one announced it. */
  remoteLink(nodeId: string): AgentLink | undefined {
    const r = this.remote.get(nodeId);
    if (!r || Date.now() - r.seenAt > PRESENCE_TTL_MS) return undefined;
    return new RemoteAgentLink(this, nodeId, r.instance);
  }

  remoteIds(): string[] {
    const now = Date.now();
    return [...this.remote].filter(([, r]) => now - r.seenAt <= PRESENCE_TTL_MS).map(([id]) => id);
  }

  /** Runs one call on the holder; resolves with its reply (or the exec's exit). */
  call(
    nodeId: string,
    instance: string,
    mode: 'request' | 'stream',
    msg: WithoutId<PlatformMessage>,
    timeoutMs: number,
    onOutput: (out: ExecOutput) => void = () => undefined,
    signal?: AbortSignal,
  ): Promise<AgentReply> {
    const rid = randomUUID();
    return new Promise<AgentReply>((resolve, reject) => {
      const finish = () => {
        clearTimeout(ackTimer);
        clearTimeout(overall);
        signal?.removeEventListener('abort', cancel);
        this.waiting.delete(rid);
      };
      const cancel = () => void this.send(instance, { op: 'cancel', rid });
      const ackTimer = setTimeout(() => {
        finish();
        // Nobody confirmed: that replica is gone, so is its claim on the node.
        if (this.remote.get(nodeId)?.instance === instance) this.remote.delete(nodeId);
        reject(notConnected(nodeId));
      }, ACK_MS);
      const overall = setTimeout(() => {
        finish();
        cancel();
        reject(
          new UpstreamError(
            FederationErrorCodes.agentTimeout,
            `The node agent did not answer in ${timeoutMs} ms`,
            { node_id: nodeId },
          ),
        );
      }, timeoutMs + ACK_MS);
      this.waiting.set(rid, {
        acked: false,
        onAck: () => clearTimeout(ackTimer),
        onOutput,
        onReply: (m) => (finish(), resolve(m)),
        onError: (e) => (finish(), reject(e)),
      });
      signal?.addEventListener('abort', cancel, { once: true });
      this.send(instance, {
        op: 'call',
        rid,
        from: this.instanceId,
        node: nodeId,
        mode,
        msg,
        timeoutMs,
      }).catch((err: Error) => {
        finish();
        reject(new UnavailableError(FederationErrorCodes.notConnected, err.message));
      });
    });
  }

  closeRemote(nodeId: string, instance: string, reason: string, code?: number): void {
    void this.send(instance, { op: 'close', node: nodeId, reason, code });
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    for (const [id, r] of this.remote) if (now - r.seenAt > PRESENCE_TTL_MS) this.remote.delete(id);
    await this.publishPresence({
      op: 'presence',
      i: this.instanceId,
      up: this.localIds(),
      full: true,
    });
    await this.bodies.purgeOlderThan(BODY_TTL_MS).catch(() => undefined);
  }

  private async publishPresence(w: Wire): Promise<void> {
    try {
      // A full list of many nodes may pass NOTIFY's cap: sent in slices then.
      if (w.op === 'presence' && w.up && w.up.length > 150) {
        for (let i = 0; i < w.up.length; i += 150) {
          const part = { ...w, up: w.up.slice(i, i + 150), full: w.full && i === 0 };
          await this.bus.publish(PRESENCE_CHANNEL, JSON.stringify(part));
        }
        return;
      }
      await this.bus.publish(PRESENCE_CHANNEL, JSON.stringify(w));
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'agent presence not published');
    }
  }

  private onPresence(payload: string): void {
    let w: Wire;
    try {
      w = JSON.parse(payload) as Wire;
    } catch {
      return;
    }
    if (w.op === 'who' && w.i !== this.instanceId) {
      void this.publishPresence({ op: 'presence', i: this.instanceId, up: this.localIds() });
      return;
    }
    if (w.op !== 'presence' || w.i === this.instanceId) return;
    const now = Date.now();
    if (w.full) {
      const listed = new Set(w.up ?? []);
      for (const [id, r] of this.remote)
        if (r.instance === w.i && !listed.has(id)) this.remote.delete(id);
    }
    for (const id of w.up ?? []) this.remote.set(id, { instance: w.i, seenAt: now });
    for (const id of w.down ?? [])
      if (this.remote.get(id)?.instance === w.i) this.remote.delete(id);
  }

  /** Sends in order: a spilled body is stored before anything sent after it is published. */
  private send(instance: string, w: Wire): Promise<void> {
    const next = this.sending.then(async () => {
      const json = JSON.stringify(w);
      const channel = directChannel(instance);
      if (Buffer.byteLength(json) <= BUS_MAX_PAYLOAD_BYTES) {
        await this.bus.publish(channel, json);
      } else {
        const id = await this.bodies.put(json);
        await this.bus.publish(channel, JSON.stringify({ op: 'ref', id }));
      }
    });
    this.sending = next.catch(() => undefined);
    return next;
  }

  private async onDirect(payload: string): Promise<void> {
    let w = JSON.parse(payload) as Wire;
    if (w.op === 'ref') {
      const body = await this.bodies.take(w.id);
      if (!body) return;
      w = JSON.parse(body) as Wire;
    }
    switch (w.op) {
      case 'call':
        return this.serve(w);
      case 'cancel':
        this.serving.get(w.rid)?.abort();
        return;
      case 'close':
        this.local(w.node)?.close(w.reason, w.code);
        return;
      case 'ack':
        this.waiting.get(w.rid)?.onAck();
        return;
      case 'output':
        this.waiting.get(w.rid)?.onOutput(w.msg);
        return;
      case 'reply':
        this.waiting.get(w.rid)?.onReply(w.msg);
        return;
      case 'error':
        this.waiting.get(w.rid)?.onError(fromWireError(w.error));
        return;
      default:
        return;
    }
  }

  /** The holder's side: run the call on the local socket, answer to the caller's channel. */
  private serve(w: Extract<Wire, { op: 'call' }>): void {
    const link = this.local(w.node);
    if (!link) {
      void this.send(w.from, { op: 'error', rid: w.rid, error: toWireError(notConnected(w.node)) });
      return;
    }
    void this.send(w.from, { op: 'ack', rid: w.rid });
    const run: Promise<AgentReply | ExecExit> =
      w.mode === 'stream'
        ? (() => {
            const abort = new AbortController();
            this.serving.set(w.rid, abort);
            return link
              .stream(
                w.msg as WithoutId<Extract<PlatformMessage, { type: 'exec' | 'node.exec' }>>,
                (out) => void this.send(w.from, { op: 'output', rid: w.rid, msg: out }),
                w.timeoutMs,
                abort.signal,
              )
              .finally(() => this.serving.delete(w.rid));
          })()
        : link.request(w.msg, w.timeoutMs);
    run.then(
      (msg) => void this.send(w.from, { op: 'reply', rid: w.rid, msg }),
      (err) => void this.send(w.from, { op: 'error', rid: w.rid, error: toWireError(err) }),
    );
  }
}

function notConnected(nodeId: string): UnavailableError {
  return new UnavailableError(
    FederationErrorCodes.notConnected,
    'The node agent is not connected',
    {
      node_id: nodeId,
    },
  );
}

/** A node's agent held by another replica, reached through the router. */
export class RemoteAgentLink implements AgentLink {
  readonly isOpen = true;

  constructor(
    private readonly router: AgentRouter,
    readonly nodeId: string,
    private readonly instance: string,
  ) {}

  request(msg: WithoutId<PlatformMessage>, timeoutMs: number): Promise<AgentReply> {
    return this.router.call(this.nodeId, this.instance, 'request', msg, timeoutMs);
  }

  async stream(
    msg: WithoutId<Extract<PlatformMessage, { type: 'exec' | 'node.exec' }>>,
    onOutput: (out: ExecOutput) => void,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<ExecExit> {
    const reply = await this.router.call(
      this.nodeId,
      this.instance,
      'stream',
      msg,
      timeoutMs,
      onOutput,
      signal,
    );
    return reply as ExecExit;
  }

  close(reason: string, code?: number): void {
    this.router.closeRemote(this.nodeId, this.instance, reason, code);
  }
}
