import { Injectable } from '@nestjs/common';
import { UnauthenticatedError } from '@nanopod/common';
import type { Request } from 'express';
import type { CredentialStrategy } from './credential-strategy';
import { ApiKeyScope, Principal } from '../principal';
import { ApiKeysService, type ApiKeyFailure } from '../../services/api-keys.service';
import { IdentityErrorCodes } from '../../identity.errors';
import { looksLikeApiKey } from '../../services/api-key-secret';
import { bearerToken } from './bearer-token';

const KEY_FAILURES: Record<ApiKeyFailure, [string, string]> = {
  key_unknown: [
    IdentityErrorCodes.apiKeyUnknown,
    'This API key is not valid: check it was copied whole, or create one with `nanopod api-keys create`',
  ],
  key_revoked: [
    IdentityErrorCodes.apiKeyRevoked,
    'This API key was revoked: create a new one with `nanopod api-keys create`',
  ],
  key_expired: [
    IdentityErrorCodes.apiKeyExpired,
    'This API key has expired: create a new one with `nanopod api-keys create`',
  ],
};

@Injectable()
export class ApiKeyStrategy implements CredentialStrategy {
  constructor(private readonly apiKeys: ApiKeysService) {}

  async authenticate(req: Request): Promise<Principal | false> {
    const token = bearerToken(req) ?? headerKey(req);
    if (!token || !looksLikeApiKey(token)) return false;
    const found = await this.apiKeys.check(token);
    if ('failure' in found) {
      // An API key was presented and does not hold: the guard then says why, not "sign in".
      (req as { credentialFailure?: UnauthenticatedError }).credentialFailure =
        new UnauthenticatedError(...KEY_FAILURES[found.failure]);
      return false;
    }
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
