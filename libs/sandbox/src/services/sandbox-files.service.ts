import { Injectable } from '@nestjs/common';
import {
  NotFoundError,
  PayloadTooLargeError,
  UnprocessableError,
  ValidationError,
} from '@nanopod/common';
import { AgentReplyError, FileEntry, NodeChannelRegistry } from '@nanopod/federation';
import { Principal } from '@nanopod/identity';
import { SandboxErrorCodes } from '../sandbox.errors';
import { SandboxesService } from './sandboxes.service';

/** Largest upload (a file or an archive); files travel base64 over the agent channel. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const FILE_TIMEOUT_MS = 120000;

/** Files in and out of a sandbox's work dir, through its agent. Paths are relative to it. */
@Injectable()
export class SandboxFilesService {
  constructor(
    private readonly sandboxes: SandboxesService,
    private readonly channels: NodeChannelRegistry,
  ) {}

  async put(
    principal: Principal,
    id: string,
    path: string,
    data: Buffer,
    archive = false,
  ): Promise<{ bytes: number }> {
    checkPath(path);
    if (data.length > MAX_UPLOAD_BYTES) throw tooLarge();
    const sb = await this.sandboxes.ensureRunning(principal, id);
    const reply = await this.call(sb.nodeId!, {
      type: 'file.put',
      sandbox_id: sb.id,
      path,
      data_base64: data.toString('base64'),
      ...(archive ? { archive: 'tar.gz' as const } : {}),
    });
    this.sandboxes.touch(sb.id);
    return { bytes: reply.type === 'file.put.ok' ? reply.bytes : data.length };
  }

  async get(principal: Principal, id: string, path: string): Promise<Buffer> {
    checkPath(path);
    const sb = await this.sandboxes.readable(principal, id);
    const reply = await this.call(sb.nodeId!, { type: 'file.get', sandbox_id: sb.id, path });
    if (reply.type !== 'file.get.ok')
      throw new NotFoundError(SandboxErrorCodes.fileNotFound, 'No such file', { path });
    return Buffer.from(reply.data_base64, 'base64');
  }

  async list(principal: Principal, id: string, path: string): Promise<FileEntry[]> {
    checkPath(path);
    const sb = await this.sandboxes.readable(principal, id);
    const reply = await this.call(sb.nodeId!, { type: 'file.list', sandbox_id: sb.id, path });
    return reply.type === 'file.list.ok' ? reply.entries : [];
  }

  private async call(
    nodeId: string,
    msg: Parameters<ReturnType<NodeChannelRegistry['require']>['request']>[0],
  ) {
    try {
      return await this.channels.require(nodeId).request(msg, FILE_TIMEOUT_MS);
    } catch (err) {
      if (err instanceof AgentReplyError)
        throw translate(err, (msg as { path?: string }).path ?? '');
      throw err;
    }
  }
}

function tooLarge(message = `Uploads are limited to ${MAX_UPLOAD_BYTES} bytes`) {
  return new PayloadTooLargeError(SandboxErrorCodes.fileTooLarge, message, {
    limit_bytes: MAX_UPLOAD_BYTES,
  });
}

/**
 * Paths are relative to the work dir (or absolute under /work); `..` never leaves it. The
 * agent checks again, and checks what it opened: this is the first line, not the only one.
 */
function checkPath(path: string): void {
  const absoluteOutside = path.startsWith('/') && path !== '/work' && !path.startsWith('/work/');
  if (path.includes('\0') || absoluteOutside || path.split('/').includes('..')) {
    throw new ValidationError(
      SandboxErrorCodes.pathInvalid,
      'The path must stay inside the sandbox work dir',
      { path },
    );
  }
}

function translate(err: AgentReplyError, path: string) {
  switch (err.agentCode) {
    case 'agent.file_not_found':
      return new NotFoundError(SandboxErrorCodes.fileNotFound, 'No such file in the sandbox', {
        path,
      });
    case 'agent.path_invalid':
      return new ValidationError(SandboxErrorCodes.pathInvalid, err.message, { path });
    case 'agent.file_too_large':
      return tooLarge(err.message);
    case 'agent.archive_refused':
      return new UnprocessableError(SandboxErrorCodes.archiveRefused, err.message, { path });
    case 'agent.sandbox_not_found':
      return new NotFoundError(SandboxErrorCodes.notFound, 'The sandbox is gone from its node', {
        path,
      });
    default:
      return err;
  }
}
