import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsIP,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
} from 'class-validator';
import { isUuid } from '@nanopod/common';
import type { PartnerWithOwners } from '../services/partners.service';
import type { CreatedEnrollmentToken } from '../services/enrollment.service';

/** Partner names; routes take one instead of the id, so a UUID-shaped name is refused. */
const PARTNER_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class CreatePartnerDto {
  @ApiProperty({ example: 'acme-labs', description: 'Lowercase letters, digits and dashes' })
  @IsString()
  @Matches(PARTNER_NAME, {
    message: 'name must be lowercase letters, digits and dashes',
  })
  @ValidateBy(
    {
      name: 'isNotUuid',
      validator: { validate: (v: unknown) => typeof v !== 'string' || !isUuid(v) },
    },
    { message: 'name must not look like a UUID' },
  )
  name!: string;

  @ApiPropertyOptional({ example: 'Acme Labs' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  display_name?: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Users who own the partner (manage its nodes)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  owner_ids?: string[];
}

export class PartnerIdParams {
  @ApiProperty({ description: 'The partner id (a UUID) or its name', example: 'acme-labs' })
  @IsString()
  @Matches(new RegExp(`${PARTNER_NAME.source}|^[0-9a-fA-F-]{36}$`), {
    message: 'id must be a partner name or id (a UUID)',
  })
  id!: string;
}

export class PartnerDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) display_name!: string | null;
  @ApiProperty({ type: [String] }) owner_ids!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;

  static from(p: PartnerWithOwners): PartnerDto {
    return {
      id: p.partner.id,
      name: p.partner.name,
      display_name: p.partner.displayName,
      owner_ids: p.ownerIds,
      created_at: p.partner.createdAt.toISOString(),
    };
  }
}

export class PartnerListDto {
  @ApiProperty({ type: [PartnerDto] }) data!: PartnerDto[];
}

export class CreateEnrollmentTokenDto {
  @ApiPropertyOptional({ example: 3600, minimum: 60, maximum: 30 * 86400 })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(30 * 86400)
  expires_in_seconds?: number;

  @ApiPropertyOptional({
    example: 'richmond',
    description: 'Pins the zone of the node that enrolls',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    message: 'zone must be lowercase letters, digits and dashes',
  })
  zone?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { rack: 'r1' },
    description: 'Labels given to the node that enrolls',
  })
  @IsOptional()
  @IsObject()
  labels?: Record<string, string>;

  @ApiPropertyOptional({
    enum: ['federated', 'infiniband'],
    description: 'The kind of the node that enrolls (infiniband: admins only). Default federated.',
  })
  @IsOptional()
  @IsIn(['federated', 'infiniband'])
  kind?: 'federated' | 'infiniband';

  @ApiPropertyOptional({
    type: [String],
    enum: ['latency_tolerant', 'latency_sensitive'],
    description: 'Workload classes of the node (federated nodes take latency_tolerant only)',
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(['latency_tolerant', 'latency_sensitive'], { each: true })
  workload_classes?: Array<'latency_tolerant' | 'latency_sensitive'>;

  @ApiPropertyOptional({
    example: '10.8.0.12',
    description:
      "Admins only. The node's address on the network the platform shares with it (its VPN " +
      'address): the platform connects there to forwarded replica ports. Without one the node ' +
      'runs no serving replicas.',
  })
  @IsOptional()
  @IsIP()
  address?: string;
}

export class EnrollmentTokenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) partner_id!: string;
  @ApiProperty({ description: 'Shown this once; single use. `npe_...`' }) token!: string;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
  @ApiProperty({ nullable: true, type: String }) zone!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  labels!: Record<string, string>;
  @ApiProperty({ enum: ['federated', 'infiniband'] }) kind!: string;
  @ApiProperty({ nullable: true, type: String, description: "The node's issued address" })
  address!: string | null;

  static from(t: CreatedEnrollmentToken): EnrollmentTokenDto {
    return {
      id: t.row.id,
      partner_id: t.row.partnerId,
      token: t.token,
      expires_at: t.row.expiresAt.toISOString(),
      zone: t.row.zone,
      labels: t.row.labels,
      kind: t.row.kind,
      address: t.row.address,
    };
  }
}
