import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { USAGE_METRICS } from '../usage/pricing';
import type { UsageMetric } from '../usage/usage-recorder';

export class CreateTopUpDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'user_id must be a UUID' })
  user_id!: string;

  @ApiProperty({ description: 'Credits (1 credit = 1 cent), > 0', example: 5000 })
  @IsNumber({ maxDecimalPlaces: 6 }, { message: 'amount must be a number of credits' })
  @Min(0.000001, { message: 'amount must be greater than 0' })
  @Max(1_000_000_000, { message: 'amount must be at most 1,000,000,000 credits' })
  amount!: number;

  @ApiProperty({ description: 'Replaying the same key returns the original entry', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  idempotency_key!: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class SetCreditLimitDto {
  @ApiProperty({ description: 'How far below zero the wallet may go, in credits', example: 1000 })
  @IsNumber({ maxDecimalPlaces: 6 })
  @Min(0)
  @Max(1_000_000_000)
  credit_limit!: number;
}

export class SetPriceDto {
  @ApiProperty({ enum: USAGE_METRICS })
  @IsIn(USAGE_METRICS, { message: `metric must be one of ${USAGE_METRICS.join(', ')}` })
  metric!: UsageMetric;

  @ApiPropertyOptional({
    description: "GPU type; '' or absent: the metric's default",
    example: 'h100',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[a-z0-9_.-]*$/i, { message: 'gpu_type may contain letters, digits, _ . -' })
  gpu_type?: string;

  @ApiProperty({ description: 'Credits per unit (second, byte or request)', example: 0.0833 })
  @IsNumber({ maxDecimalPlaces: 12 })
  @Min(0)
  @Max(1_000_000)
  unit_price_credits!: number;
}

export class RetryParkedDto {
  @ApiPropertyOptional({ type: [String], description: 'Only these; absent: every parked event' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  transaction_ids?: string[];
}
