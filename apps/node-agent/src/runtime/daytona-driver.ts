import type { Daytona, Sandbox } from '@daytonaio/sdk';
import type { FileEntry } from '@nanopod/federation';
import { archiveFiles } from './archive-entries';
import {
  AgentOperationError,
  type ExecHandle,
  type ExecRequest,
  type ExecResult,
  type ExecSink,
  type RuntimeDriver,
  type SandboxFiles,
  type SandboxRecord,
} from './runtime-driver';

export interface DaytonaDriverOptions {
  api_url: string;
  api_key: string;
  target?: string;
}

/** POSIX single-quote escaping: the toolbox runs the command through a shell. */
export function shellJoin(argv: string[]): string {
  return argv
    .map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/**
 * Sandboxes on Daytona through @daytonaio/sdk. The SDK's `executeCommand` answers once the
 * command ended, so output arrives in one piece, not streamed; a cancel stops waiting, the
 * remote command runs until its own timeout (the wall limit, passed to Daytona).
 *
 * The SDK is loaded on first use: it is large and the agent must start fast without it.
 */
export class DaytonaDriver implements RuntimeDriver {
  readonly name = 'daytona' as const;
  readonly files: SandboxFiles;
  private client: Promise<Daytona> | null = null;
  private readonly handles = new Map<string, Sandbox>();

  constructor(private readonly options: DaytonaDriverOptions) {
    this.files = new DaytonaFiles((record) => this.sandbox(record));
  }

  private daytona(): Promise<Daytona> {
    this.client ??= import('@daytonaio/sdk').then(
      ({ Daytona: DaytonaClient }) =>
        new DaytonaClient({
          apiKey: this.options.api_key,
          apiUrl: this.options.api_url,
          target: this.options.target,
          // Polling over REST instead of the SDK's event socket: one protocol to speak.
          useDeprecatedPolling: true,
        }),
    );
    return this.client;
  }

  private async sandbox(record: SandboxRecord): Promise<Sandbox> {
    const cached = this.handles.get(record.sandbox_id);
    if (cached) return cached;
    if (!record.runtime_ref)
      throw new AgentOperationError('agent.sandbox_not_found', 'no Daytona sandbox recorded');
    const sandbox = await (await this.daytona()).get(record.runtime_ref);
    this.handles.set(record.sandbox_id, sandbox);
    return sandbox;
  }

  async start(record: SandboxRecord): Promise<void> {
    const client = await this.daytona();
    if (record.runtime_ref) {
      const sandbox = await this.sandbox(record);
      if (sandbox.state !== 'started') await sandbox.start(60);
      return;
    }
    const sandbox = await client.create(
      {
        language: 'python',
        envVars: record.spec.env,
        labels: { 'nanopod/sandbox': record.sandbox_id, 'nanopod/owner': record.spec.owner_id },
        // The platform decides idle stop; Daytona's own 15 min default would race it.
        autoStopInterval: 0,
        networkBlockAll: record.spec.network === 'none',
      },
      { timeout: 60 },
    );
    record.runtime_ref = sandbox.id;
    this.handles.set(record.sandbox_id, sandbox);
  }

  exec(record: SandboxRecord, request: ExecRequest, sink: ExecSink): ExecHandle {
    const started = Date.now();
    let cancel: (reason: string) => void = () => undefined;
    const cancelled = new Promise<ExecResult>((resolvePromise) => {
      cancel = (reason) =>
        resolvePromise({
          exit_code: null,
          signal: null,
          reason,
          duration_ms: Date.now() - started,
        });
    });
    const run = (async (): Promise<ExecResult> => {
      const sandbox = await this.sandbox(record);
      const response = await sandbox.process.executeCommand(
        shellJoin(request.argv),
        request.cwd,
        { ...record.spec.env, ...request.env },
        request.wall_seconds,
      );
      const output = Buffer.from(response.result ?? '');
      if (output.length > 0) sink.output('stdout', output.subarray(0, request.output_limit_bytes));
      return {
        exit_code: response.exitCode ?? null,
        signal: null,
        duration_ms: Date.now() - started,
      };
    })().catch((err: Error): ExecResult => {
      sink.output('stderr', Buffer.from(`daytona: ${err.message}\n`));
      return {
        exit_code: null,
        signal: null,
        reason: 'runtime_error',
        duration_ms: Date.now() - started,
      };
    });
    return {
      pid: null,
      cancel: (reason = 'cancelled') => cancel(reason),
      done: Promise.race([run, cancelled]),
    };
  }

  async stop(record: SandboxRecord): Promise<void> {
    if (!record.runtime_ref) return;
    const sandbox = await this.sandbox(record);
    await sandbox.stop(60);
  }

  async remove(record: SandboxRecord): Promise<void> {
    if (!record.runtime_ref) return;
    const sandbox = await this.sandbox(record);
    await sandbox.delete(60);
    this.handles.delete(record.sandbox_id);
  }

  async close(): Promise<void> {
    if (!this.client) return;
    const client = await this.client.catch(() => null);
    await client?.[Symbol.asyncDispose]?.();
  }
}

/** Files through the Daytona toolbox; relative paths resolve against the sandbox's home. */
class DaytonaFiles implements SandboxFiles {
  constructor(private readonly sandbox: (record: SandboxRecord) => Promise<Sandbox>) {}

  async putFile(record: SandboxRecord, path: string, data: Buffer): Promise<number> {
    if (data.length > record.spec.limits.disk_mb * 1048576) {
      throw new AgentOperationError(
        'agent.file_too_large',
        `file is larger than ${record.spec.limits.disk_mb} MB`,
      );
    }
    await (await this.sandbox(record)).fs.uploadFile(data, path);
    return data.length;
  }

  /** Unpacks locally (validated like the bwrap driver does) and uploads the files. */
  async putArchive(record: SandboxRecord, path: string, tarGz: Buffer): Promise<number> {
    const { files, total } = await archiveFiles(tarGz, path, record.spec.limits.disk_mb);
    if (files.length > 0) await (await this.sandbox(record)).fs.uploadFiles(files);
    return total;
  }

  async getFile(record: SandboxRecord, path: string, maxBytes: number): Promise<Buffer> {
    let data: Buffer;
    try {
      data = await (await this.sandbox(record)).fs.downloadFile(path);
    } catch (err) {
      throw new AgentOperationError('agent.file_not_found', (err as Error).message);
    }
    if (data.length > maxBytes)
      throw new AgentOperationError('agent.file_too_large', `"${path}" is too large`);
    return data;
  }

  async list(record: SandboxRecord, path: string): Promise<FileEntry[]> {
    const entries = await (await this.sandbox(record)).fs.listFiles(path);
    return entries.map((e) => ({
      path: path === '.' ? e.name : `${path}/${e.name}`,
      size: e.isDir ? 0 : e.size,
      type: e.isDir ? ('dir' as const) : ('file' as const),
      modified_at: new Date(e.modifiedAt ?? e.modTime).toISOString(),
    }));
  }
}
