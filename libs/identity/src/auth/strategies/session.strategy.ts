import { Inject, Injectable } from '@nestjs/common';
import { NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import type { Request } from 'express';
import type { CredentialStrategy } from './credential-strategy';
import { SESSION_COOKIE, SessionsService } from '../../services/sessions.service';
import { Principal, scopesForRoles } from '../principal';
import { assertSameOrigin } from '../same-origin';

@Injectable()
export class SessionStrategy implements CredentialStrategy {
  constructor(
    private readonly sessions: SessionsService,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {}

  async authenticate(req: Request): Promise<Principal | false> {
    const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (!token) return false;
    // Only when the cookie is what authenticates: API keys and bearer tokens win before this.
    assertSameOrigin(req, this.config.publicUrl);
    const found = await this.sessions.verify(token);
    if (!found) return false;
    return {
      userId: found.user.id,
      user: found.user,
      githubLogin: found.user.githubLogin,
      roles: found.user.roles,
      via: 'session',
      scopes: scopesForRoles(found.user.roles),
      sessionId: found.session.id,
    };
  }
}
