import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { markRawBodyRoutes } from '@nanopod/common';

/** A file is bytes: uploads are never parsed as JSON or a form, whatever their Content-Type. */
@Injectable()
export class SandboxRawBodyRegistrar {
  constructor(host: HttpAdapterHost) {
    markRawBodyRoutes(host, ['/v1/sandboxes/:id/files', '/v1/sandboxes/:id/archive']);
  }
}
