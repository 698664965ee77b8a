import { Injectable, Logger } from '@nestjs/common';
import { Principal } from '@nanopod/identity';
import { NodeChannelRegistry } from '../channel/node-channel.registry';
import { NodeSelector, NodesService } from './nodes.service';
import { FederationErrorCodes } from '../federation.errors';

export interface NodeExecResult {
  node_id: string;
  node_name: string;
  connected: boolean;
  exit_code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  duration_ms: number | null;
  error: { code: string; message: string } | null;
}

const MAX_OUTPUT_BYTES = 1024 * 1024;

/** Operators' parallel commands: one `node.exec` per matching node, all at once. */
@Injectable()
export class NodeExecService {
  private readonly logger = new Logger(NodeExecService.name);

  constructor(
    private readonly nodes: NodesService,
    private readonly channels: NodeChannelRegistry,
  ) {}

  async run(
    principal: Principal,
    selector: NodeSelector,
    argv: string[],
    timeoutSeconds: number,
  ): Promise<NodeExecResult[]> {
    const targets = await this.nodes.select(selector);
    this.logger.log(
      { by: principal.userId, nodes: targets.map((t) => t.id), program: argv[0] },
      'operator command on nodes',
    );
    return Promise.all(
      targets.map(async (node): Promise<NodeExecResult> => {
        const base = { node_id: node.id, node_name: node.name };
        const channel = this.channels.get(node.id);
        if (!channel) {
          return {
            ...base,
            connected: false,
            exit_code: null,
            signal: null,
            stdout: '',
            stderr: '',
            duration_ms: null,
            error: {
              code: FederationErrorCodes.notConnected,
              message: 'The node agent is not connected',
            },
          };
        }
        const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], bytes: 0 };
        try {
          const exit = await channel.stream(
            { type: 'node.exec', argv, timeout_seconds: timeoutSeconds },
            (chunk) => {
              const buf = Buffer.from(chunk.data_base64, 'base64');
              if (out.bytes + buf.length > MAX_OUTPUT_BYTES) return;
              out.bytes += buf.length;
              out[chunk.stream].push(buf);
            },
            (timeoutSeconds + 10) * 1000,
          );
          return {
            ...base,
            connected: true,
            exit_code: exit.exit_code,
            signal: exit.signal,
            stdout: Buffer.concat(out.stdout).toString('utf8'),
            stderr: Buffer.concat(out.stderr).toString('utf8'),
            duration_ms: exit.duration_ms,
            error: exit.reason ? { code: `agent.${exit.reason}`, message: exit.reason } : null,
          };
        } catch (err) {
          const e = err as { code?: string; message: string };
          return {
            ...base,
            connected: true,
            exit_code: null,
            signal: null,
            stdout: Buffer.concat(out.stdout).toString('utf8'),
            stderr: Buffer.concat(out.stderr).toString('utf8'),
            duration_ms: null,
            error: { code: e.code ?? FederationErrorCodes.agentError, message: e.message },
          };
        }
      }),
    );
  }
}
