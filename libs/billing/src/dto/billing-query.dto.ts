import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

export class UserScopedQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Admins only: another user' })
  @IsOptional()
  @IsUUID('all', { message: 'user_id must be a UUID' })
  user_id?: string;
}

export class UsageQueryDto extends UserScopedQueryDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Default: 30 days before `to`',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'from must be an ISO 8601 date-time' })
  from?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Default: now' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'to must be an ISO 8601 date-time' })
  to?: Date;

  @ApiPropertyOptional({ enum: ['day', 'kind'], default: 'day' })
  @IsOptional()
  @IsIn(['day', 'kind'], { message: 'group_by must be day or kind' })
  group_by?: 'day' | 'kind';
}

export class LedgerQueryDto extends UserScopedQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Entries with an id below this (paging)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  before?: number;
}
