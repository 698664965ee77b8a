import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDate,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { ApiKeyEntity } from '../entities/api-key.entity';
import { API_KEY_SCOPES, ApiKeyScope } from '../auth/principal';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'ci-runner', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  @Matches(/^[^\u0000-\u001f]+$/, { message: 'name must not contain control characters' })
  name!: string;

  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['read', 'write'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @IsIn(API_KEY_SCOPES, {
    each: true,
    message: `each scope must be one of ${API_KEY_SCOPES.join(', ')}`,
  })
  scopes!: ApiKeyScope[];

  @ApiPropertyOptional({ type: String, format: 'date-time', example: '2027-01-01T00:00:00Z' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'expires_at must be an ISO 8601 date-time' })
  expires_at?: Date;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({
    example: 'npk_a1b2c3d4e5f6',
    description: 'The public part of the key, to recognize it',
  })
  prefix!: string;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true }) scopes!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expires_at!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revoked_at!: string | null;
  @ApiProperty({ enum: ['active', 'revoked', 'expired'] }) status!:
    'active' | 'revoked' | 'expired';

  static from(key: ApiKeyEntity, now: Date): ApiKeyDto {
    return {
      id: key.id,
      name: key.name,
      prefix: `npk_${key.keyId}`,
      scopes: key.scopes,
      created_at: key.createdAt.toISOString(),
      last_used_at: key.lastUsedAt?.toISOString() ?? null,
      expires_at: key.expiresAt?.toISOString() ?? null,
      revoked_at: key.revokedAt?.toISOString() ?? null,
      status: key.revokedAt
        ? 'revoked'
        : key.expiresAt && key.expiresAt <= now
          ? 'expired'
          : 'active',
    };
  }
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    description: 'The whole key. Shown this once; only its hash is kept.',
    example: 'npk_a1b2c3d4e5f6_...',
  })
  secret!: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] }) data!: ApiKeyDto[];
}

export class ApiKeyIdParams {
  @ApiProperty({ format: 'uuid' })
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
    message: 'id must be a UUID',
  })
  id!: string;
}
