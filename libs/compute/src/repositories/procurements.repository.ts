import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { ProcurementEntity } from '../entities/procurement.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class ProcurementsRepository {
  constructor(
    @InjectRepository(ProcurementEntity) private readonly repo: Repository<ProcurementEntity>,
  ) {}

  insert(p: ProcurementEntity): Promise<unknown> {
    return this.repo.insert(p);
  }

  findOwned(ownerId: string, idOrName: string): Promise<ProcurementEntity | null> {
    return this.repo.findOneBy(
      UUID.test(idOrName) ? { ownerId, id: idOrName } : { ownerId, name: idOrName },
    );
  }

  byCapacity(capacityId: string): Promise<ProcurementEntity | null> {
    return this.repo.findOneBy({ capacityId });
  }

  byCapacities(ids: string[]): Promise<ProcurementEntity[]> {
    return ids.length ? this.repo.findBy({ capacityId: In(ids) }) : Promise.resolve([]);
  }

  list(ownerId: string): Promise<ProcurementEntity[]> {
    return this.repo.find({ where: { ownerId }, order: { createdAt: 'ASC' } });
  }

  active(): Promise<ProcurementEntity[]> {
    return this.repo.find({ where: { status: 'active' }, order: { createdAt: 'ASC' } });
  }

  async update(id: string, patch: Partial<ProcurementEntity>): Promise<void> {
    await this.repo.update({ id }, patch);
  }
}
