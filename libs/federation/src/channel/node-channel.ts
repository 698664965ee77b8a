import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { NanopodError, UnavailableError, UpstreamError } from '@nanopod/common';
import { FederationErrorCodes } from '../federation.errors';
import type { AgentMessage, PlatformMessage } from '../protocol/agent-protocol';

type Reply = Exclude<AgentMessage, { type: 'hello' | 'usage' }>;
export type ExecExit = Extract<AgentMessage, { type: 'exec.exit' }>;
export type ExecOutput = Extract<AgentMessage, { type: 'exec.output' }>;

/** Distributes Omit over a union, so each message keeps its own fields. */
export type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Pending {
  /** Returns true when the request is answered for good. */
  onMessage(msg: Reply): boolean;
  onClose(err: NanopodError): void;
  timer?: NodeJS.Timeout;
}

/** An agent error answer, carried to the HTTP caller with the agent's code in details. */
export class AgentReplyError extends UpstreamError {
  constructor(
    readonly agentCode: string,
    message: string,
  ) {
    super(FederationErrorCodes.agentError, message, { agent_code: agentCode });
  }
}

/**
 * What callers use to talk to a node's agent: the channel itself on the replica the agent is
 * connected to, or a link routed to that replica (RemoteAgentLink).
 */
export interface AgentLink {
  readonly nodeId: string;
  readonly isOpen: boolean;
  request(msg: WithoutId<PlatformMessage>, timeoutMs: number): Promise<Reply>;
  stream(
    msg: WithoutId<Extract<PlatformMessage, { type: 'exec' | 'node.exec' }>>,
    onOutput: (out: ExecOutput) => void,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<ExecExit>;
  close(reason: string, code?: number): void;
}

export type AgentReply = Reply;

/**
 * One live WebSocket to one node agent. Requests carry a uuid `id`; replies with that id are
 * routed to whoever waits on it (a promise, or a stream of exec output), so many requests share
 * the socket concurrently and output is pushed to HTTP callers as it arrives.
 */
export class NodeChannel implements AgentLink {
  private readonly pending = new Map<string, Pending>();
  private closed = false;

  constructor(
    readonly nodeId: string,
    private readonly ws: WebSocket,
  ) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  send(msg: PlatformMessage): void {
    if (this.closed) {
      throw new UnavailableError(
        FederationErrorCodes.notConnected,
        'The node agent is not connected',
        {
          node_id: this.nodeId,
        },
      );
    }
    this.ws.send(JSON.stringify(msg));
  }

  /** Sends a request and resolves with its one reply (`error` replies reject). */
  request(msg: WithoutId<PlatformMessage>, timeoutMs: number): Promise<Reply> {
    const id = randomUUID();
    return new Promise<Reply>((resolve, reject) => {
      this.track(id, timeoutMs, reject, {
        onMessage: (reply) => {
          if (reply.type === 'error') reject(new AgentReplyError(reply.code, reply.message));
          else resolve(reply);
          return true;
        },
        onClose: reject,
      });
      this.sendTracked(id, { ...msg, id } as PlatformMessage, reject);
    });
  }

  /**
   * Runs an `exec` (or `node.exec`), calling `onOutput` for every chunk as it arrives; resolves
   * with the exit. `signal` aborts: the agent gets `exec.cancel`.
   */
  stream(
    msg: WithoutId<Extract<PlatformMessage, { type: 'exec' | 'node.exec' }>>,
    onOutput: (out: ExecOutput) => void,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<ExecExit> {
    const id = randomUUID();
    return new Promise<ExecExit>((resolve, reject) => {
      const abort = () => {
        if (this.pending.has(id) && !this.closed)
          this.ws.send(JSON.stringify({ type: 'exec.cancel', id }));
      };
      signal?.addEventListener('abort', abort, { once: true });
      const done = () => signal?.removeEventListener('abort', abort);
      this.track(id, timeoutMs, (e) => (done(), reject(e)), {
        onMessage: (reply) => {
          if (reply.type === 'exec.output') {
            onOutput(reply);
            return false;
          }
          done();
          if (reply.type === 'exec.exit') resolve(reply);
          else if (reply.type === 'error') reject(new AgentReplyError(reply.code, reply.message));
          else
            reject(
              new AgentReplyError(
                FederationErrorCodes.agentInternal,
                `unexpected reply ${reply.type}`,
              ),
            );
          return true;
        },
        onClose: (e) => (done(), reject(e)),
      });
      this.sendTracked(id, { ...msg, id } as PlatformMessage, reject);
    });
  }

  /** Routes a reply; returns false when nobody waits for this id. */
  dispatch(msg: Reply & { id?: string }): boolean {
    if (!msg.id) return false;
    const p = this.pending.get(msg.id);
    if (!p) return false;
    if (p.onMessage(msg)) {
      clearTimeout(p.timer);
      this.pending.delete(msg.id);
    }
    return true;
  }

  close(reason: string, code = 1000): void {
    if (!this.closed) {
      this.closed = true;
      try {
        this.ws.close(code, reason);
      } catch {
        // already closing
      }
    }
    this.failAll();
  }

  /** Called when the socket went away by itself. */
  markClosed(): void {
    this.closed = true;
    this.failAll();
  }

  private failAll(): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.onClose(
        new UnavailableError(FederationErrorCodes.notConnected, 'The node agent disconnected', {
          node_id: this.nodeId,
        }),
      );
    }
  }

  private track(
    id: string,
    timeoutMs: number,
    reject: (e: NanopodError) => void,
    p: Pending,
  ): void {
    p.timer = setTimeout(() => {
      this.pending.delete(id);
      reject(
        new UpstreamError(
          FederationErrorCodes.agentTimeout,
          `The node agent did not answer in ${timeoutMs} ms`,
          {
            node_id: this.nodeId,
          },
        ),
      );
    }, timeoutMs);
    p.timer.unref?.();
    this.pending.set(id, p);
  }

  private sendTracked(id: string, msg: PlatformMessage, reject: (e: NanopodError) => void): void {
    try {
      this.send(msg);
    } catch (err) {
      const p = this.pending.get(id);
      clearTimeout(p?.timer);
      this.pending.delete(id);
      reject(err as NanopodError);
    }
  }
}
