import { Injectable } from '@nestjs/common';
import { ConflictError, ValidationError } from '@nanopod/common';
import { AgentReplyError, ExecExit, NodeChannelRegistry } from '@nanopod/federation';
import { Principal } from '@nanopod/identity';
import { StringDecoder } from 'node:string_decoder';
import { SandboxErrorCodes } from '../sandbox.errors';
import { SandboxesService } from './sandboxes.service';

export interface ExecInput {
  argv?: string[];
  command?: string;
  env?: Record<string, string>;
  cwd?: string;
  timeoutSeconds?: number;
}

/** Where exec output goes as it arrives. */
export interface ExecSink {
  output(stream: 'stdout' | 'stderr', data: string): void;
}

export interface ExecResult {
  exit_code: number | null;
  signal: string | null;
  duration_ms: number;
  reason: string | null;
}

export interface CollectedExec extends ExecResult {
  stdout: string;
  stderr: string;
}

const DEFAULT_TIMEOUT_SECONDS = 600;
const MAX_COLLECTED_BYTES = 16 * 1024 * 1024;
const FIRST_TOUCH_MS = 250;

/**
 * Runs a command in a sandbox through its node's agent. Output is pushed over the channel and
 * handed to the sink chunk by chunk (no polling anywhere); UTF-8 is decoded per stream so a
 * character split across chunks stays whole.
 */
@Injectable()
export class SandboxExecService {
  constructor(
    private readonly sandboxes: SandboxesService,
    private readonly channels: NodeChannelRegistry,
  ) {}

  /** Checks the request and the sandbox; returns the run to start once the caller is ready. */
  async prepare(
    principal: Principal,
    id: string,
    input: ExecInput,
  ): Promise<(sink: ExecSink, signal?: AbortSignal) => Promise<ExecResult>> {
    const argv = argvOf(input);
    const sb = await this.sandboxes.ensureRunning(principal, id);
    const channel = this.channels.require(sb.nodeId!);
    const timeoutSeconds = input.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    return async (sink, signal) => {
      const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
      // A long command is activity all along: keep the idle clock from stopping the sandbox
      // under it (whichever platform instance runs the idle check). The first write waits a
      // moment so a short command's spawn does not share its time with a database write (the
      // embedded database runs on this event loop); the write after the exit records it.
      let keepAlive: NodeJS.Timeout | undefined;
      const firstTouch = setTimeout(() => {
        this.sandboxes.touch(sb.id);
        keepAlive = setInterval(
          () => this.sandboxes.touch(sb.id),
          Math.max(1000, Math.min(10000, (sb.idleTimeoutSeconds * 1000) / 2)),
        );
        keepAlive.unref();
      }, FIRST_TOUCH_MS);
      firstTouch.unref();
      let exit: ExecExit;
      try {
        exit = await channel.stream(
          {
            type: 'exec',
            sandbox_id: sb.id,
            argv,
            ...(input.env ? { env: input.env } : {}),
            ...(input.cwd ? { cwd: input.cwd } : {}),
            timeout_seconds: timeoutSeconds,
          },
          (chunk) => {
            const text = decoders[chunk.stream].write(Buffer.from(chunk.data_base64, 'base64'));
            if (text) sink.output(chunk.stream, text);
          },
          (timeoutSeconds + 15) * 1000,
          signal,
        );
      } catch (err) {
        // Right after an agent restart, before its hello is reconciled, the platform may still
        // think a sandbox runs that the agent has stopped: the caller's answer is "not running"
        // (409, retry), not an upstream failure; the hello then marks it stopped and resumable.
        if (err instanceof AgentReplyError && err.agentCode === 'agent.sandbox_stopped') {
          throw new ConflictError(SandboxErrorCodes.notRunning, 'The sandbox is not running', {
            id: sb.id,
            state: 'stopped',
          });
        }
        throw err;
      } finally {
        clearTimeout(firstTouch);
        clearInterval(keepAlive);
        this.sandboxes.touch(sb.id);
      }
      for (const stream of ['stdout', 'stderr'] as const) {
        const rest = decoders[stream].end();
        if (rest) sink.output(stream, rest);
      }
      return {
        exit_code: exit.exit_code,
        signal: exit.signal,
        duration_ms: exit.duration_ms,
        reason: exit.reason ?? null,
      };
    };
  }

  /** The whole run as one answer (`?wait=true` or Accept: application/json). */
  async collect(principal: Principal, id: string, input: ExecInput): Promise<CollectedExec> {
    const run = await this.prepare(principal, id, input);
    const out = { stdout: '', stderr: '', bytes: 0 };
    const result = await run({
      output: (stream, data) => {
        if (out.bytes + data.length > MAX_COLLECTED_BYTES) return;
        out.bytes += data.length;
        out[stream] += data;
      },
    });
    return { stdout: out.stdout, stderr: out.stderr, ...result };
  }
}

function argvOf(input: ExecInput): string[] {
  if (input.argv?.length && input.command) {
    throw new ValidationError(SandboxErrorCodes.commandMissing, 'Send argv or command, not both');
  }
  if (input.argv?.length) return input.argv;
  if (input.command) return ['/bin/sh', '-c', input.command];
  throw new ValidationError(
    SandboxErrorCodes.commandMissing,
    'Send argv (a list) or command (a shell line)',
  );
}
