import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { NodeAuthService } from '../services/node-auth.service';

/** Guards `/v1/agent/nodes/:nodeId/*` with the node's own credential. */
@Injectable()
export class NodeCredentialGuard implements CanActivate {
  constructor(private readonly auth: NodeAuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const nodeId = String(req.params.nodeId ?? '');
    await this.auth.verify(nodeId, req.headers.authorization);
    return true;
  }
}
