import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { PartnerEntity, PartnerMemberEntity } from '../entities/partner.entity';

/** All reads and writes of `partners` and `partner_members`. */
@Injectable()
export class PartnersRepository {
  constructor(
    @InjectRepository(PartnerEntity) private readonly partners: Repository<PartnerEntity>,
    @InjectRepository(PartnerMemberEntity)
    private readonly members: Repository<PartnerMemberEntity>,
  ) {}

  findById(id: string): Promise<PartnerEntity | null> {
    return this.partners.findOne({ where: { id } });
  }

  findByName(name: string): Promise<PartnerEntity | null> {
    return this.partners.findOne({ where: { name } });
  }

  /** Inserts a partner and its owners together; null when the name is taken. */
  createWithOwners(
    partner: Omit<PartnerEntity, 'id'>,
    ownerIds: string[],
  ): Promise<PartnerEntity | null> {
    return this.partners.manager.transaction(async (m) => {
      if (await m.findOne(PartnerEntity, { where: { name: partner.name } })) return null;
      const saved = await m.save(m.create(PartnerEntity, partner));
      for (const userId of ownerIds) {
        await m.insert(PartnerMemberEntity, {
          partnerId: saved.id,
          userId,
          role: 'owner',
          createdAt: partner.createdAt,
        });
      }
      return saved;
    });
  }

  /** Inserts unless the name exists (concurrent starts agree on one row). */
  async insertIfAbsent(partner: Omit<PartnerEntity, 'id'>): Promise<void> {
    await this.partners.createQueryBuilder().insert().values(partner).orIgnore().execute();
  }

  list(ids?: string[]): Promise<PartnerEntity[]> {
    if (ids && !ids.length) return Promise.resolve([]);
    return this.partners.find({ where: ids ? { id: In(ids) } : {}, order: { createdAt: 'ASC' } });
  }

  membersOf(partnerIds: string[]): Promise<PartnerMemberEntity[]> {
    if (!partnerIds.length) return Promise.resolve([]);
    return this.members.find({ where: { partnerId: In(partnerIds) } });
  }

  async isOwner(partnerId: string, userId: string): Promise<boolean> {
    return (await this.members.count({ where: { partnerId, userId, role: 'owner' } })) > 0;
  }

  async ownedPartnerIds(userId: string): Promise<string[]> {
    return (await this.members.find({ where: { userId, role: 'owner' } })).map((m) => m.partnerId);
  }
}
