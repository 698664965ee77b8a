import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { CapacityEntity } from '../entities/capacity.entity';
import { NodeTemplateEntity } from '../entities/node-template.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Capacities and node templates: both are looked up by id or by their owner's name for them. */
@Injectable()
export class CapacitiesRepository {
  constructor(
    @InjectRepository(CapacityEntity) private readonly capacities: Repository<CapacityEntity>,
    @InjectRepository(NodeTemplateEntity)
    private readonly templates: Repository<NodeTemplateEntity>,
  ) {}

  insert(c: CapacityEntity): Promise<unknown> {
    return this.capacities.insert(c);
  }

  findOwned(ownerId: string, idOrName: string): Promise<CapacityEntity | null> {
    return this.capacities.findOneBy(
      UUID.test(idOrName) ? { ownerId, id: idOrName } : { ownerId, name: idOrName },
    );
  }

  byIds(ids: string[]): Promise<CapacityEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.capacities.findBy({ id: In(ids) });
  }

  byId(id: string): Promise<CapacityEntity | null> {
    return this.capacities.findOneBy({ id });
  }

  list(ownerId: string): Promise<CapacityEntity[]> {
    return this.capacities.find({ where: { ownerId }, order: { createdAt: 'ASC' } });
  }

  async zones(): Promise<{ zone: string; instanceType: string }[]> {
    const rows = (await this.capacities.query(
      `SELECT DISTINCT zone, instance_type FROM compute_capacities`,
    )) as { zone: string; instance_type: string }[];
    return rows.map((r) => ({ zone: r.zone, instanceType: r.instance_type }));
  }

  insertTemplate(t: NodeTemplateEntity): Promise<unknown> {
    return this.templates.insert(t);
  }

  findTemplate(ownerId: string, idOrName: string): Promise<NodeTemplateEntity | null> {
    return this.templates.findOneBy(
      UUID.test(idOrName) ? { ownerId, id: idOrName } : { ownerId, name: idOrName },
    );
  }

  listTemplates(ownerId: string): Promise<NodeTemplateEntity[]> {
    return this.templates.find({ where: { ownerId }, order: { createdAt: 'ASC' } });
  }
}
