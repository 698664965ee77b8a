import { Injectable } from '@nestjs/common';
import { Clock, ConflictError, isUuid, NotFoundError } from '@nanopod/common';
import { isAdmin, Principal } from '@nanopod/identity';
import { PartnerEntity } from '../entities/partner.entity';
import { FederationErrorCodes } from '../federation.errors';
import { PartnersRepository } from '../repositories/partners.repository';

export interface PartnerWithOwners {
  partner: PartnerEntity;
  ownerIds: string[];
}

/** Partners: organizations that own nodes. Admins create them; owners manage their nodes. */
@Injectable()
export class PartnersService {
  constructor(
    private readonly partners: PartnersRepository,
    private readonly clock: Clock,
  ) {}

  async create(
    principal: Principal,
    input: { name: string; displayName?: string; ownerIds?: string[] },
  ): Promise<PartnerWithOwners> {
    const ownerIds = [...new Set(input.ownerIds ?? [])];
    const partner = await this.partners.createWithOwners(
      {
        name: input.name,
        displayName: input.displayName ?? null,
        createdBy: principal.userId,
        createdAt: this.clock.now(),
      },
      ownerIds,
    );
    if (!partner) {
      throw new ConflictError(
        FederationErrorCodes.partnerExists,
        `A partner named "${input.name}" exists`,
        {
          name: input.name,
        },
      );
    }
    return { partner, ownerIds };
  }

  /** For the embedded default: the partner named `name`, created once. */
  async ensure(name: string, displayName: string): Promise<PartnerEntity> {
    const found = await this.partners.findByName(name);
    if (found) return found;
    await this.partners.insertIfAbsent({
      name,
      displayName,
      createdBy: null,
      createdAt: this.clock.now(),
    });
    return (await this.partners.findByName(name))!;
  }

  async list(principal: Principal): Promise<PartnerWithOwners[]> {
    const rows = isAdmin(principal)
      ? await this.partners.list()
      : await this.partners.list(await this.partners.ownedPartnerIds(principal.userId));
    return this.withOwners(rows);
  }

  /**
   * A partner the caller may see (admin, or one of its owners), by id or by name (names are
   * unique); otherwise 404.
   */
  async get(principal: Principal, id: string): Promise<PartnerWithOwners> {
    const partner = isUuid(id)
      ? await this.partners.findById(id)
      : await this.partners.findByName(id);
    if (!partner || !(await this.canManage(principal, partner.id))) {
      throw new NotFoundError(FederationErrorCodes.partnerNotFound, 'No such partner', { id });
    }
    return (await this.withOwners([partner]))[0];
  }

  async canManage(principal: Principal, partnerId: string): Promise<boolean> {
    return isAdmin(principal) || this.partners.isOwner(partnerId, principal.userId);
  }

  ownedPartnerIds(userId: string): Promise<string[]> {
    return this.partners.ownedPartnerIds(userId);
  }

  private async withOwners(rows: PartnerEntity[]): Promise<PartnerWithOwners[]> {
    const members = await this.partners.membersOf(rows.map((r) => r.id));
    return rows.map((partner) => ({
      partner,
      ownerIds: members.filter((m) => m.partnerId === partner.id).map((m) => m.userId),
    }));
  }
}
