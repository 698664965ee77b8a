import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Clock, NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { SessionEntity } from '../entities/session.entity';
import { UserEntity } from '../entities/user.entity';

export const SESSION_COOKIE = 'nanopod_session';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Server-side sessions: the cookie is a random token, the row makes logout and revocation work. */
@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
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
    const session = await this.sessions.save(
      this.sessions.create({
        tokenHash: hashToken(token),
        userId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + this.config.sessionTtlHours * 3600_000),
        revokedAt: null,
        idpSessionId: idpSessionId ?? null,
        idToken: idToken ?? null,
      }),
    );
    return { session, token };
  }

  async verify(token: string): Promise<{ session: SessionEntity; user: UserEntity } | null> {
    if (!token || token.length > 128) return null;
    const session = await this.sessions.findOneBy({ tokenHash: hashToken(token) });
    if (!session || session.revokedAt || session.expiresAt.getTime() <= this.clock.nowMs())
      return null;
    const user = await this.users.findOneBy({ id: session.userId });
    return user ? { session, user } : null;
  }

  async end(sessionId: string): Promise<void> {
    await this.sessions.update(
      { id: sessionId, revokedAt: IsNull() },
      { revokedAt: this.clock.now() },
    );
  }

  /** Back-channel logout from the realm ends every session of that realm session. */
  async endByIdpSession(idpSessionId: string): Promise<number> {
    const res = await this.sessions.update(
      { idpSessionId, revokedAt: IsNull() },
      { revokedAt: this.clock.now() },
    );
    return res.affected ?? 0;
  }

  async endAllFor(userId: string): Promise<number> {
    const res = await this.sessions.update(
      { userId, revokedAt: IsNull() },
      { revokedAt: this.clock.now() },
    );
    return res.affected ?? 0;
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
