import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Role, UserEntity } from '../entities/user.entity';

/** Rows of `users`. The only place identity reads or writes them. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  findByKeycloakSub(sub: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ keycloakSub: sub });
  }

  findByGithubId(githubId: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ githubId });
  }

  findByGithubLogin(login: string): Promise<UserEntity | null> {
    return this.users
      .createQueryBuilder('u')
      .where('lower(u.github_login) = lower(:login)', { login })
      .getOne();
  }

  /** A new, unsaved user row. */
  build(fields: Partial<UserEntity> & { roles: Role[] }): UserEntity {
    return this.users.create(fields);
  }

  save(user: UserEntity): Promise<UserEntity> {
    return this.users.save(user);
  }

  page(opts: { limit: number; offset: number }): Promise<[UserEntity[], number]> {
    return this.users.findAndCount({
      order: { createdAt: 'ASC' },
      take: opts.limit,
      skip: opts.offset,
    });
  }
}
