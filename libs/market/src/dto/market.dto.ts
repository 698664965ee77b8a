import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export class BookQuery {
  @ApiProperty({ example: 'richmond' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/)
  zone!: string;

  @ApiProperty({ example: 'rtx4090x2' })
  @IsString()
  @MaxLength(63)
  instance_type!: string;
}

export class PriceQuery extends BookQuery {
  @ApiPropertyOptional({ default: 24, maximum: 720, description: 'Hours of history' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(720)
  hours?: number;
}

export class DepthQuery extends BookQuery {
  @ApiPropertyOptional({ description: 'Hour block (ISO); default the current one' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  at?: string;
}

export class PricePointDto {
  @ApiProperty() at!: string;
  @ApiProperty({ description: 'Cents per GPU-hour' }) price!: number;
  @ApiProperty() nodes!: number;
}

export class SpotPriceDto {
  @ApiProperty() zone!: string;
  @ApiProperty() instance_type!: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Last clearing price, cents per GPU-hour',
  })
  spot_price!: number | null;
  @ApiProperty({ nullable: true, type: Number }) best_ask!: number | null;
  @ApiProperty({ nullable: true, type: Number }) best_bid!: number | null;
  @ApiProperty({ type: [PricePointDto], description: 'Oldest first' }) history!: PricePointDto[];
}

export class DepthLevelDto {
  @ApiProperty() price!: number;
  @ApiProperty() nodes!: number;
}

export class DepthDto {
  @ApiProperty() zone!: string;
  @ApiProperty() instance_type!: string;
  @ApiProperty() block_start!: string;
  @ApiProperty({ type: [DepthLevelDto], description: 'Highest first' }) bids!: DepthLevelDto[];
  @ApiProperty({ type: [DepthLevelDto], description: 'Lowest first' }) asks!: DepthLevelDto[];
}

export class InstanceTypeDto {
  @ApiProperty() name!: string;
  @ApiProperty() gpu_model!: string;
  @ApiProperty() gpu_count!: number;
  @ApiProperty() cpu!: number;
  @ApiProperty() memory_mb!: number;
}
