import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key.entity';
import { UserEntity } from '../entities/user.entity';

/** Rows of `api_keys`. */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  insert(fields: Omit<ApiKeyEntity, 'id'>): Promise<ApiKeyEntity> {
    return this.keys.save(this.keys.create(fields));
  }

  /** A user's keys, newest first. */
  listFor(userId: string): Promise<ApiKeyEntity[]> {
    return this.keys.find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  findById(id: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ id });
  }

  findByKeyId(keyId: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ keyId });
  }

  async revoke(ids: string[], at: Date): Promise<void> {
    if (ids.length) await this.keys.update({ id: In(ids) }, { revokedAt: at });
  }

  /** Moves last_used_at forward only (batches from several instances may arrive out of order). */
  async touchLastUsed(id: string, at: Date): Promise<void> {
    await this.keys
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: at })
      .where('id = :id AND (last_used_at IS NULL OR last_used_at < :at)', { id, at })
      .execute();
  }

  countActiveAdminKeys(): Promise<number> {
    return this.keys
      .createQueryBuilder('k')
      .innerJoin(UserEntity, 'u', 'u.id = k.user_id')
      .where('k.revoked_at IS NULL')
      .andWhere("'admin' = ANY(u.roles)")
      .andWhere("'admin' = ANY(k.scopes)")
      .getCount();
  }
}
