import type { FileEntry } from '@nanopod/federation';
import { archiveFiles } from './archive-entries';
import {
  AgentOperationError,
  type ExecHandle,
  type ExecRequest,
  type ExecSink,
  type SandboxFiles,
  type SandboxRecord,
} from './runtime-driver';

type Exec = (record: SandboxRecord, request: ExecRequest, sink: ExecSink) => ExecHandle;

/**
 * Bytes per exec: the command travels in the exec request's URL, so its base64 (32 KiB,
 * ~40 KiB URL-encoded) stays under what proxies in front of an API server commonly take
 * (kube-apiserver itself allows 1 MiB of headers) and under Linux's 128 KiB per argument.
 */
const CHUNK_BYTES = 24 * 1024;
/** Exit codes of the scripts below for what the caller must tell apart. */
const NOT_FOUND = 44;
const TOO_LARGE = 45;

/**
 * Files of a sandbox Pod through exec (the API has no file transfer of its own): `cat` reads,
 * `stat` lists, and writes go as base64 in the command line, 48 KiB per exec, since the
 * exec subresource's v4 protocol cannot end stdin without ending the session (a 64 MB upload
 * is ~2,700 execs: meant for small files). Needs
 * `/bin/sh`, `cat`, `wc`, `stat` and `base64` in the image (coreutils or busybox). Paths are
 * relative to the work dir, validated by the caller.
 */
export class KubernetesFiles implements SandboxFiles {
  constructor(private readonly exec: Exec) {}

  async putFile(record: SandboxRecord, path: string, data: Buffer): Promise<number> {
    if (data.length > record.spec.limits.disk_mb * 1048576) {
      throw new AgentOperationError(
        'agent.file_too_large',
        `file is larger than ${record.spec.limits.disk_mb} MB`,
      );
    }
    await this.run(record, ['mkdir -p -- "$(dirname -- "$0")" && : > "$0"', path]);
    for (let at = 0; at < data.length; at += CHUNK_BYTES) {
      const chunk = data.subarray(at, at + CHUNK_BYTES).toString('base64');
      await this.run(record, ['printf %s "$1" | base64 -d >> "$0"', path, chunk]);
    }
    return data.length;
  }

  async putArchive(record: SandboxRecord, path: string, tarGz: Buffer): Promise<number> {
    const { files, total } = await archiveFiles(tarGz, path, record.spec.limits.disk_mb);
    for (const file of files) await this.putFile(record, file.destination, file.source);
    return total;
  }

  async getFile(record: SandboxRecord, path: string, maxBytes: number): Promise<Buffer> {
    const { stdout } = await this.run(
      record,
      [
        `test -f "$0" || exit ${NOT_FOUND}; [ "$(wc -c < "$0")" -le "$1" ] || exit ${TOO_LARGE}; exec cat -- "$0"`,
        path,
        String(maxBytes),
      ],
      maxBytes,
    );
    return stdout;
  }

  async list(record: SandboxRecord, path: string): Promise<FileEntry[]> {
    const { stdout } = await this.run(record, [
      `cd -- "$0" 2>/dev/null || exit ${NOT_FOUND}; for f in * .[!.]* ..?*; do ` +
        `[ -e "$f" ] && stat -c '%F\t%s\t%Y\t%n' -- "$f"; done; exit 0`,
      path,
    ]);
    return stdout
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [kind, size, mtime, ...name] = line.split('\t');
        const dir = kind === 'directory';
        return {
          path: path === '.' ? name.join('\t') : `${path}/${name.join('\t')}`,
          size: dir ? 0 : Number(size),
          type: dir ? ('dir' as const) : ('file' as const),
          modified_at: new Date(Number(mtime) * 1000).toISOString(),
        };
      })
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Runs `sh -c script args…` in the Pod; a non-zero exit becomes the matching error. */
  private async run(
    record: SandboxRecord,
    [script, ...args]: string[],
    maxBytes = 16 * 1048576,
  ): Promise<{ stdout: Buffer }> {
    if (record.state !== 'running') {
      throw new AgentOperationError(
        'agent.sandbox_stopped',
        'the sandbox is stopped: its Pod, and the files in it, are gone',
      );
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const result = await this.exec(
      record,
      {
        argv: ['/bin/sh', '-c', script, ...args],
        env: {},
        wall_seconds: 120,
        output_limit_bytes: maxBytes,
      },
      { output: (stream, chunk) => (stream === 'stdout' ? out : err).push(chunk) },
    ).done;
    const path = args[0];
    if (result.exit_code === 0) return { stdout: Buffer.concat(out) };
    if (result.exit_code === NOT_FOUND)
      throw new AgentOperationError('agent.file_not_found', `"${path}" does not exist`);
    if (result.exit_code === TOO_LARGE)
      throw new AgentOperationError('agent.file_too_large', `"${path}" is too large`);
    const why = Buffer.concat(err).toString().trim() || result.reason || `exit ${result.exit_code}`;
    throw new AgentOperationError('agent.path_invalid', `"${path}": ${why}`);
  }
}
