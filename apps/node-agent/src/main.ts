#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { enrollNode, startNodeAgent } from './agent';
import {
  AgentConfigError,
  configFromEnv,
  configFromFile,
  type AgentConfigInput,
} from './config/agent-config';
import { createAgentLogger } from './logger';
import { PlatformError } from './platform-client';

interface CommonFlags {
  url?: string;
  stateDir?: string;
  config?: string;
  name?: string;
  zone?: string;
  labels?: string;
  kind?: string;
  heartbeatIntervalMs?: string;
  logLevel?: string;
}

function addCommonOptions(command: Command): Command {
  return command
    .option('--state-dir <dir>', 'state directory (env NANOPOD_AGENT_STATE_DIR)')
    .option('--config <file>', 'JSON or YAML config file (env NANOPOD_AGENT_CONFIG)')
    .option('--name <name>', 'node name (default: hostname)')
    .option('--zone <zone>', 'zone this node is in')
    .option('--labels <k=v,...>', 'node labels')
    .addOption(new Option('--kind <kind>', 'node kind').choices(['federated', 'infiniband']))
    .option('--heartbeat-interval-ms <ms>', 'override the interval the platform asks for')
    .option('--log-level <level>', 'trace|debug|info|warn|error');
}

/** defaults < file < env < flags */
function configInput(flags: CommonFlags, env: NodeJS.ProcessEnv): AgentConfigInput {
  const file = flags.config ?? env.NANOPOD_AGENT_CONFIG;
  const fromFlags: AgentConfigInput = {
    url: flags.url,
    state_dir: flags.stateDir,
    name: flags.name,
    zone: flags.zone,
    labels: flags.labels,
    kind: flags.kind,
    heartbeat_interval_ms: flags.heartbeatIntervalMs,
    log_level: flags.logLevel,
  };
  return {
    ...(file ? configFromFile(file) : {}),
    ...stripUndefined(configFromEnv(env)),
    ...stripUndefined(fromFlags),
  };
}

function stripUndefined(input: AgentConfigInput): AgentConfigInput {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

export function buildProgram(env: NodeJS.ProcessEnv = process.env): Command {
  const program = new Command('nanopod-node-agent')
    .description('Nanopod node agent: joins this machine to a Nanopod network and runs sandboxes')
    .exitOverride();

  addCommonOptions(
    program
      .command('enroll')
      .description("trade a single-use enrollment token for this node's credential")
      .requiredOption('--url <url>', 'platform URL')
      .option('--token <token>', 'enrollment token npe_... (env NANOPOD_AGENT_TOKEN)'),
  ).action(async (flags: CommonFlags & { token?: string }) => {
    const token = flags.token ?? env.NANOPOD_AGENT_TOKEN;
    if (!token) throw new AgentConfigError(['--token is required']);
    const stored = await enrollNode({
      url: flags.url as string,
      token,
      config: configInput(flags, env),
    });
    process.stdout.write(`enrolled as node ${stored.node_id}\n`);
  });

  addCommonOptions(
    program
      .command('run')
      .description('heartbeat and hold the channel to the platform; runs sandboxes')
      .option('--url <url>', 'platform URL (default: the one enrolled with)'),
  ).action(async (flags: CommonFlags) => {
    const input = configInput(flags, env);
    const agent = await startNodeAgent({ config: input });
    let stopping = false;
    const shutdown = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      // Nothing a sandbox started may outlive the agent: stop() kills every process group.
      void agent.stop().finally(() => {
        process.stderr.write(`stopped on ${signal}\n`);
        process.exit(0);
      });
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    await new Promise<never>(() => undefined);
  });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof PlatformError) {
      process.stderr.write(`error: ${err.code}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof AgentConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    createAgentLogger('error').error({ err: (err as Error).message }, 'node agent failed');
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
