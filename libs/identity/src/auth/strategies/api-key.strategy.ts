import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { CredentialStrategy } from './credential-strategy';
import { ApiKeyScope, Principal } from '../principal';
import { ApiKeysService } from '../../services/api-keys.service';
import { looksLikeApiKey } from '../../services/api-key-secret';
import { bearerToken } from './bearer-token';

@Injectable()
export class ApiKeyStrategy implements CredentialStrategy {
  constructor(private readonly apiKeys: ApiKeysService) {}

  async authenticate(req: Request): Promise<Principal | false> {
    const token = bearerToken(req) ?? headerKey(req);
    if (!token || !looksLikeApiKey(token)) return false;
    const found = await this.apiKeys.verify(token);
    if (!found) return false;
    return {
      userId: found.user.id,
      user: found.user,
      githubLogin: found.user.githubLogin,
      roles: found.user.roles,
      via: 'api_key',
      scopes: found.key.scopes as ApiKeyScope[],
      apiKeyId: found.key.id,
    };
  }
}

function headerKey(req: Request): string | undefined {
  const v = req.headers['x-api-key'];
  return typeof v === 'string' ? v : undefined;
}
