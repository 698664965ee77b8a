import { PayloadTooLargeError } from '@nanopod/common';
import type { Request } from 'express';
import { SandboxErrorCodes } from '../sandbox.errors';

/**
 * Reads a raw request body up to `limit` bytes (uploads are not JSON, so no body parser took
 * them). A body a JSON parser already consumed is given back as its JSON text.
 */
export async function readRawBody(req: Request, limit: number): Promise<Buffer> {
  if ((req as Request & { _body?: boolean })._body) {
    return Buffer.from(JSON.stringify(req.body));
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.unpipe();
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number) {
  return new PayloadTooLargeError(
    SandboxErrorCodes.fileTooLarge,
    `Uploads are limited to ${limit} bytes`,
    {
      limit_bytes: limit,
    },
  );
}
