import { Inject, Injectable } from '@nestjs/common';
import { Clock, NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import { createHash, randomBytes } from 'node:crypto';
import { SessionEntity } from '../entities/session.entity';
import { UserEntity } from '../entities/user.entity';
import { SessionsRepository } from '../repositories/sessions.repository';
import { UsersRepository } from '../repositories/users.repository';

export const SESSION_COOKIE = 'nanopod_session';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Server-side sessions: the cookie is a random token, the row makes logout and revocation work. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
    private readonly clock: Clock,
  ) {}

  async start(
    userId: string,
    idpSessionId?: string | null,
    idToken?: string | null,
  ): Promise<{ session: SessionEntity; token: string }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const session = await this.sessions.insert({
      tokenHash: hashToken(token),
      userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.sessionTtlHours * 3600_000),
      revokedAt: null,
      idpSessionId: idpSessionId ?? null,
      idToken: idToken ?? null,
    });
    return { session, token };
  }

  async verify(token: string): Promise<{ session: SessionEntity; user: UserEntity } | null> {
    if (!token || token.length > 128) return null;
    const session = await this.sessions.findByTokenHash(hashToken(token));
    if (!session || session.revokedAt || session.expiresAt.getTime() <= this.clock.nowMs())
      return null;
    const user = await this.users.findById(session.userId);
    return user ? { session, user } : null;
  }

  async end(sessionId: string): Promise<void> {
    await this.sessions.revokeWhere({ id: sessionId }, this.clock.now());
  }

  /** Back-channel logout from the realm ends every session of that realm session. */
  async endByIdpSession(idpSessionId: string): Promise<number> {
    return this.sessions.revokeWhere({ idpSessionId }, this.clock.now());
  }

  async endAllFor(userId: string): Promise<number> {
    return this.sessions.revokeWhere({ userId }, this.clock.now());
  }

  cookieOptions(): {
    httpOnly: true;
    sameSite: 'lax';
    secure: boolean;
    path: string;
    maxAge: number;
  } {
    return {
      httpOnly: true,
      sameSite: 'lax',
      // Secure outside development; http://localhost test runs keep it off so browsers send it.
      secure: this.config.env === 'production' || this.config.publicUrl.startsWith('https:'),
      path: '/',
      maxAge: this.config.sessionTtlHours * 3600_000,
    };
  }
}
