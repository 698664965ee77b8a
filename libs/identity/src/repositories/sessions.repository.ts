import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, IsNull, Repository } from 'typeorm';
import { SessionEntity } from '../entities/session.entity';

/** Rows of `sessions`. */
@Injectable()
export class SessionsRepository {
  constructor(
    @InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>,
  ) {}

  insert(fields: Omit<SessionEntity, 'id'>): Promise<SessionEntity> {
    return this.sessions.save(this.sessions.create(fields));
  }

  findByTokenHash(tokenHash: string): Promise<SessionEntity | null> {
    return this.sessions.findOneBy({ tokenHash });
  }

  /** Revokes the live sessions matching `where`; returns how many. */
  async revokeWhere(
    where: Pick<FindOptionsWhere<SessionEntity>, 'id' | 'idpSessionId' | 'userId'>,
    at: Date,
  ): Promise<number> {
    const res = await this.sessions.update({ ...where, revokedAt: IsNull() }, { revokedAt: at });
    return res.affected ?? 0;
  }
}
