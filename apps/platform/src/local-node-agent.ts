import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { prettyStream, type NanopodConfig } from '@nanopod/common';
import { EnrollmentService, NodesService, PartnersService } from '@nanopod/federation';
import { credentialPath, enrollNode, readCredential, startNodeAgent } from '@nanopod/node-agent';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import pino from 'pino';

export interface LocalNodeAgent {
  nodeId: string;
  stop(): Promise<void>;
}

const logger = new Logger('LocalNodeAgent');

/**
 * The embedded default's one node: a node agent in this process with the bubblewrap driver,
 * enrolled to partner "local" on first start and kept in `<data dir>/node-agent`, so a new
 * user can `nanopod run -- python3 -c 'print(6*7)'` right after signing in. A failure here
 * is logged and the platform runs on without a local node.
 */
export async function startLocalNodeAgent(
  app: INestApplication,
  config: NanopodConfig,
): Promise<LocalNodeAgent | undefined> {
  if (!config.localNodeAgent) return undefined;
  const ephemeral = config.dataDir === ':memory:';
  const stateDir = ephemeral
    ? mkdtempSync(path.join(tmpdir(), 'nanopod-local-agent-'))
    : path.resolve(config.dataDir, 'node-agent');
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
  const log_level = config.env === 'test' ? 'error' : 'info';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
  // On a terminal the in-process agent writes readable lines like the platform's; otherwise
  // the agent makes its own JSON logger (with its redaction list; it logs no secrets anyway).
  const agentLogger =
    config.logFormat === 'pretty'
      ? pino(
          {
            name: 'nanopod-node-agent',
            level: log_level,
            redact: {
              paths: ['credential', 'token', '*.credential', '*.token'],
              censor: '[redacted]',
            },
          },
          prettyStream(),
        )
      : undefined;
  try {
    const stored = readCredential(stateDir);
    const known = stored ? await app.get(NodesService).byId(stored.node_id) : null;
    // Enrolled before nodes had addresses: this one is ours, on this machine.
    if (known && known.address === null) {
      await app.get(NodesService).issueAddress(known.id, '127.0.0.1');
    }
    if (!known) {
      // A new database (or none enrolled yet): enroll afresh; old sandbox dirs are reconciled away.
      rmSync(credentialPath(stateDir), { force: true });
      const partner = await app.get(PartnersService).ensure('local', 'This machine');
      const { token } = await app.get(EnrollmentService).issue(partner.id, null, {
        expiresInSeconds: 300,
        zone: 'local',
        // On the platform's own machine: its forwards are reached on loopback.
        address: '127.0.0.1',
      });
      await enrollNode({
        url,
        token,
        config: { state_dir: stateDir, name: `local-${hostname()}`, zone: 'local', log_level },
        logger: agentLogger,
      });
    }
    const agent = await startNodeAgent({
      config: {
        state_dir: stateDir,
        url,
        zone: 'local',
        log_level,
        egress_pool: config.localAgentEgressPool,
        warm_pool: config.localAgentWarmPool,
      },
      logger: agentLogger,
    });
    // Ready for a first `nanopod run` when start returns; a slow channel only delays that.
    await Promise.race([agent.whenConnected(), new Promise((r) => setTimeout(r, 5000).unref())]);
    logger.log({ nodeId: agent.nodeId, stateDir }, 'local node agent started');
    return {
      nodeId: agent.nodeId,
      async stop() {
        await agent.stop();
        if (ephemeral) rmSync(stateDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    logger.warn(
      { err: (err as Error).message },
      'local node agent not started; sandboxes need another node',
    );
    return undefined;
  }
}
