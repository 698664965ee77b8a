import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import type { AgentMessage, HeartbeatAck, PlatformMessage } from '@nanopod/federation';
import { AgentChannel } from './channel/agent-channel';
import { resolveAgentConfig, type AgentConfig, type AgentConfigInput } from './config/agent-config';
import { readCredential, writeCredential, type StoredCredential } from './credential-store';
import { InventoryCollector } from './inventory/node-inventory';
import { createAgentLogger, type AgentLogger } from './logger';
import { PlatformClient, PlatformError } from './platform-client';
import { containmentOf, createDrivers, sweepDrivers, warmDrivers } from './runtime/drivers';
import { SandboxManager } from './sandboxes/sandbox-manager';
import { SandboxStore } from './sandboxes/sandbox-store';
import { AGENT_VERSION } from './version';

export interface NodeAgentOptions {
  /** Merged over the defaults; the same keys as the config file. */
  config?: AgentConfigInput;
  logger?: AgentLogger;
}

export interface NodeAgent {
  readonly nodeId: string;
  readonly config: AgentConfig;
  /** Resolves on the first successful channel connection. */
  whenConnected(): Promise<void>;
  /** Stops every sandbox process, closes the channel, stops heartbeats. */
  stop(): Promise<void>;
}

export interface EnrollOptions extends NodeAgentOptions {
  url: string;
  token: string;
}

/**
 * Trades a single-use enrollment token for this node's credential and keeps it in
 * `<state-dir>/credential.json` (0600).
 *
 * @example
 *   const { node_id } = await enrollNode({ url: 'http://127.0.0.1:3000', token: 'npe_...',
 *     config: { state_dir: '/var/lib/nanopod-agent', zone: 'eu-1' } });
 */
export async function enrollNode(options: EnrollOptions): Promise<StoredCredential> {
  const config = resolveAgentConfig(options.config ?? {}, { url: options.url });
  const logger = (options.logger ?? createAgentLogger(config.log_level)).child({
    context: 'Enroll',
  });
  const url = config.url as string;
  await fs.mkdir(config.state_dir, { recursive: true, mode: 0o711 });
  const drivers = createDrivers(config, logger);
  const inventory = await new InventoryCollector(
    config,
    () => [...drivers.keys()],
    () => containmentOf(drivers),
  ).collect();
  const name = config.name ?? hostname();
  const answer = await new PlatformClient(url).enroll({ token: options.token, name, inventory });
  const stored: StoredCredential = {
    url,
    node_id: answer.node_id,
    credential: answer.credential,
    name,
    heartbeat_interval_ms: answer.heartbeat_interval_ms,
    enrolled_at: new Date().toISOString(),
  };
  await writeCredential(config.state_dir, stored);
  logger.info({ node_id: answer.node_id, state_dir: config.state_dir }, 'enrolled');
  return stored;
}

/**
 * Runs the agent: recovers sandboxes from the state dir, heartbeats with the inventory, and
 * holds the channel. The platform can call this in-process for the embedded default, or run
 * `main.ts run` as a child process.
 *
 * @example
 *   const agent = await startNodeAgent({ config: { state_dir: dir } });
 *   await agent.whenConnected();
 *   // ...
 *   await agent.stop();
 */
export async function startNodeAgent(options: NodeAgentOptions = {}): Promise<NodeAgent> {
  const config = resolveAgentConfig(options.config ?? {});
  const logger = options.logger ?? createAgentLogger(config.log_level);
  const log = logger.child({ context: 'NodeAgent' });
  const stored = readCredential(config.state_dir);
  if (!stored) {
    throw new PlatformError(
      0,
      'agent.not_enrolled',
      `no credential in ${config.state_dir}: run "nanopod-node-agent enroll" first`,
    );
  }
  const url = config.url ?? stored.url;
  const client = new PlatformClient(url);
  await fs.chmod(config.state_dir, 0o711).catch(() => undefined);

  const drivers = createDrivers(config, logger);
  const inventory = new InventoryCollector(
    config,
    () => [...drivers.keys()],
    () => containmentOf(drivers),
  );
  let channel: AgentChannel | null = null;
  const send = (message: AgentMessage): void => channel?.send(message);
  const manager = new SandboxManager({
    store: new SandboxStore(config.state_dir),
    drivers,
    logger,
    send,
    sandbox_uid_base: config.sandbox_uid_base,
    max_upload_mb: config.max_upload_mb,
    exec_output_limit_mb: config.exec_output_limit_mb,
    node_exec_enabled: config.node_exec_enabled,
  });
  await manager.recover();
  await sweepDrivers(drivers);
  warmDrivers(drivers);

  let intervalMs = config.heartbeat_interval_ms ?? stored.heartbeat_interval_ms ?? 10_000;
  let heartbeatTimer: NodeJS.Timeout | null = null;
  let stopped = false;
  const heartbeat = async (): Promise<void> => {
    try {
      const ack: HeartbeatAck = await client.heartbeat(stored.node_id, stored.credential, {
        inventory: await inventory.collect(),
        sandboxes: manager.snapshot(),
      });
      if (config.heartbeat_interval_ms === null && ack.heartbeat_interval_ms > 0)
        intervalMs = ack.heartbeat_interval_ms;
    } catch (err) {
      const e = err as PlatformError;
      log.warn({ code: e.code, status: e.status }, `heartbeat failed: ${e.message}`);
    } finally {
      if (!stopped) heartbeatTimer = setTimeout(() => void heartbeat(), intervalMs);
    }
  };

  let resolveConnected: () => void = () => undefined;
  const connected = new Promise<void>((r) => (resolveConnected = r));
  channel = new AgentChannel({
    url: client.channelUrl(stored.node_id),
    credential: stored.credential,
    logger,
    hello: () => ({
      type: 'hello',
      node_id: stored.node_id,
      agent_version: AGENT_VERSION,
      sandboxes: manager.snapshot(),
      containment: containmentOf(drivers),
    }),
    onMessage: (message: PlatformMessage) => {
      if (
        message.type === 'welcome' &&
        config.heartbeat_interval_ms === null &&
        message.heartbeat_interval_ms > 0
      ) {
        intervalMs = message.heartbeat_interval_ms;
      }
      void manager.handle(message);
    },
    onConnected: () => resolveConnected(),
  });
  void heartbeat();
  channel.start();
  log.info(
    { node_id: stored.node_id, url, runtimes: [...drivers.keys()], state_dir: config.state_dir },
    'node agent started',
  );

  return {
    nodeId: stored.node_id,
    config,
    whenConnected: () => connected,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (heartbeatTimer) clearTimeout(heartbeatTimer);
      await manager.shutdown();
      await channel?.close();
      for (const driver of drivers.values()) await driver.close?.().catch(() => undefined);
      log.info({ node_id: stored.node_id }, 'node agent stopped');
    },
  };
}
