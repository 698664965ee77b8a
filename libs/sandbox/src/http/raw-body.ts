import { PayloadTooLargeError } from '@nanopod/common';
import type { Request } from 'express';
import { SandboxErrorCodes } from '../sandbox.errors';

/**
 * Reads a raw request body up to `limit` bytes. Upload routes are marked raw
 * (SandboxRawBodyRegistrar), so no body parser consumed the stream, whatever the Content-Type.
 */
export async function readRawBody(req: Request, limit: number): Promise<Buffer> {
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
