import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsUUID, Min, ValidateIf } from 'class-validator';
import type { UserQuota } from '../services/quotas.service';

export class QuotaDto {
  @ApiProperty({ description: 'Active (pending, starting, running) sandboxes at once' })
  max_sandboxes!: number;
  @ApiProperty({ description: 'CPU across active sandboxes' }) max_cpu!: number;
  @ApiProperty({ description: 'Memory (MB) across active sandboxes' }) max_memory_mb!: number;
  @ApiProperty({ description: 'GPUs across active sandboxes' }) max_gpus!: number;
  @ApiProperty({
    type: [String],
    description: 'Limits an admin set for this user; the others are the platform defaults',
  })
  overridden!: string[];

  static from(q: UserQuota): QuotaDto {
    const names: Record<string, string> = {
      sandboxes: 'max_sandboxes',
      cpu: 'max_cpu',
      memoryMb: 'max_memory_mb',
      gpus: 'max_gpus',
    };
    return {
      max_sandboxes: q.limits.sandboxes,
      max_cpu: q.limits.cpu,
      max_memory_mb: q.limits.memoryMb,
      max_gpus: q.limits.gpus,
      overridden: q.overridden.map((k) => names[k]),
    };
  }
}

/** Each field: a number sets the user's own limit, null returns it to the default. */
export class SetQuotaDto {
  @ApiPropertyOptional({ nullable: true, type: Number, minimum: 0 })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsInt()
  @Min(0)
  max_sandboxes?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number, minimum: 0 })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  max_cpu?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number, minimum: 0 })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsInt()
  @Min(0)
  max_memory_mb?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number, minimum: 0 })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsInt()
  @Min(0)
  max_gpus?: number | null;
}

export class UserIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id!: string;
}
