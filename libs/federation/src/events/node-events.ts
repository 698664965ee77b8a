import { Injectable, Logger } from '@nestjs/common';
import type { AgentMessage, Heartbeat } from '../protocol/agent-protocol';

export type AgentSandboxReport = Heartbeat['sandboxes'];
export type SandboxStateMessage = Extract<AgentMessage, { type: 'sandbox.state' }>;
export type UsageMessage = Extract<AgentMessage, { type: 'usage' }>;

type Listener<T extends unknown[]> = (...args: T) => Promise<void> | void;

/**
 * What happens to nodes, for the contexts above federation (sandbox, compute) that run work on
 * them. In process: every listener runs on the instance that saw the event (the reconciler's
 * leader for `lost`, the instance holding the agent's channel for the rest).
 */
@Injectable()
export class NodeEvents {
  private readonly logger = new Logger(NodeEvents.name);
  private readonly hello: Listener<[string, AgentSandboxReport, Date | null]>[] = [];
  private readonly lost: Listener<[string[]]>[] = [];
  private readonly sandboxState: Listener<[string, SandboxStateMessage]>[] = [];
  private readonly usage: Listener<[string, UsageMessage]>[] = [];
  private readonly workload: Array<(nodeIds: string[]) => Promise<Map<string, number>>> = [];

  /** `lastHeardAt`: when the node was heard from before this hello (null: never). */
  onHello(fn: Listener<[string, AgentSandboxReport, Date | null]>): void {
    this.hello.push(fn);
  }
  onLost(fn: Listener<[string[]]>): void {
    this.lost.push(fn);
  }
  onSandboxState(fn: Listener<[string, SandboxStateMessage]>): void {
    this.sandboxState.push(fn);
  }
  onUsage(fn: Listener<[string, UsageMessage]>): void {
    this.usage.push(fn);
  }
  /** A context that places work on nodes tells how much is still active there (drain waits on it). */
  registerActiveWorkload(fn: (nodeIds: string[]) => Promise<Map<string, number>>): void {
    this.workload.push(fn);
  }

  async emitHello(
    nodeId: string,
    sandboxes: AgentSandboxReport,
    lastHeardAt: Date | null = null,
  ): Promise<void> {
    await this.run('hello', this.hello, nodeId, sandboxes, lastHeardAt);
  }
  async emitLost(nodeIds: string[]): Promise<void> {
    if (nodeIds.length) await this.run('lost', this.lost, nodeIds);
  }
  async emitSandboxState(nodeId: string, msg: SandboxStateMessage): Promise<void> {
    await this.run('sandbox.state', this.sandboxState, nodeId, msg);
  }
  async emitUsage(nodeId: string, msg: UsageMessage): Promise<void> {
    await this.run('usage', this.usage, nodeId, msg);
  }

  async activeWorkload(nodeIds: string[]): Promise<Map<string, number>> {
    const total = new Map<string, number>();
    for (const fn of this.workload) {
      for (const [id, n] of await fn(nodeIds)) total.set(id, (total.get(id) ?? 0) + n);
    }
    return total;
  }

  private async run<T extends unknown[]>(name: string, listeners: Listener<T>[], ...args: T) {
    for (const fn of listeners) {
      try {
        await fn(...args);
      } catch (err) {
        this.logger.error(
          { event: name, err: (err as Error).message },
          'node event listener failed',
        );
      }
    }
  }
}
