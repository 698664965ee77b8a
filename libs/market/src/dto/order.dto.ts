import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { hourOf, MICRO_PER_CENT } from '../core/dto-support';
import type { MarketOrderEntity } from '../entities/market-order.entity';

const ORDER_STATUSES = ['pending', 'open', 'filled', 'cancelled', 'expired', 'rejected'] as const;

/** A string span ("24h") or a number of seconds; the market checks the value (422). */
function IsSpanOrSeconds(): PropertyDecorator {
  return ValidateBy({
    name: 'isSpanOrSeconds',
    validator: {
      validate: (v: unknown) =>
        (typeof v === 'string' && v.length <= 32) || (typeof v === 'number' && Number.isFinite(v)),
      defaultMessage: () => '$property must be a span like "24h" or a number of seconds',
    },
  });
}

export class OrderFlagsDto {
  @ApiPropertyOptional({ description: 'Immediate or cancel: fill now or not at all' })
  @IsOptional()
  @IsBoolean()
  ioc?: boolean;

  @ApiPropertyOptional({ description: 'Refused if it would match on arrival' })
  @IsOptional()
  @IsBoolean()
  post_only?: boolean;
}

export class CreateOrderDto {
  @ApiProperty({ enum: ['buy', 'sell'] })
  @IsIn(['buy', 'sell'])
  side!: 'buy' | 'sell';

  @ApiProperty({ example: 'richmond' })
  @IsString()
  @MaxLength(63)
  zone!: string;

  @ApiProperty({ example: 'rtx4090x2' })
  @IsString()
  @MaxLength(63)
  instance_type!: string;

  @ApiProperty({ example: 4, description: 'Whole nodes, 1..1024' })
  @IsNumber()
  nodes!: number;

  @ApiPropertyOptional({
    example: 'in 5h',
    default: 'now',
    description: '"now", "in <span>" or ISO',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  start?: string;

  @ApiProperty({
    oneOf: [
      { type: 'string', example: '24h' },
      { type: 'number', example: 86400 },
    ],
    description: 'At least 1h; rounded up to whole hours',
  })
  @IsSpanOrSeconds()
  duration!: string | number;

  @ApiProperty({
    example: 2000,
    description: 'Limit price per GPU-hour in cents (max for a buy, min for a sell)',
  })
  @IsNumber()
  price!: number;

  @ApiPropertyOptional({ type: OrderFlagsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => OrderFlagsDto)
  flags?: OrderFlagsDto;

  @ApiPropertyOptional({ description: "Admins: sell this partner's node time" })
  @IsOptional()
  @IsUUID()
  partner_id?: string;

  @ApiPropertyOptional({ description: 'The compute capacity this order serves' })
  @IsOptional()
  @IsUUID()
  capacity_id?: string;
}

export class ListOrdersQuery {
  @ApiPropertyOptional({ enum: ORDER_STATUSES })
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: (typeof ORDER_STATUSES)[number];

  @ApiPropertyOptional({ default: 100, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class OrderIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class OrderSubsidyDto {
  @ApiProperty() tier!: string;
  @ApiProperty() rate_multiplier!: number;
  @ApiProperty() decision_id!: string;
}

export class OrderDto {
  @ApiProperty({ enum: ['order'] }) object!: 'order';
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['buy', 'sell'] }) side!: 'buy' | 'sell';
  @ApiProperty() zone!: string;
  @ApiProperty() instance_type!: string;
  @ApiProperty() nodes!: number;
  @ApiProperty() gpus_per_node!: number;
  @ApiProperty({ description: 'Limit per GPU-hour in cents' }) price!: number;
  @ApiProperty() start_at!: string;
  @ApiProperty() end_at!: string;
  @ApiProperty() duration_hours!: number;
  @ApiProperty({ type: OrderFlagsDto }) flags!: OrderFlagsDto;
  @ApiProperty({ enum: ORDER_STATUSES }) status!: string;
  @ApiProperty({ nullable: true, type: String }) status_reason!: string | null;
  @ApiProperty({ description: 'Whether any block traded' }) executed!: boolean;
  @ApiProperty() executed_node_hours!: number;
  @ApiProperty({ description: 'List value of what traded, in cents' }) execution_cost!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Average cents per GPU-hour paid' })
  execution_price!: number | null;
  @ApiProperty({ enum: ['user', 'partner'] }) owner_kind!: string;
  @ApiProperty({ nullable: true, type: String }) partner_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) capacity_id!: string | null;
  @ApiProperty({ nullable: true, type: OrderSubsidyDto }) subsidy!: OrderSubsidyDto | null;
  @ApiProperty() created_at!: string;

  static from(o: MarketOrderEntity): OrderDto {
    const gpuHours = o.executedNodeHours * o.gpusPerNode;
    return {
      object: 'order',
      id: o.id,
      side: o.side,
      zone: o.zone,
      instance_type: o.instanceType,
      nodes: o.nodes,
      gpus_per_node: o.gpusPerNode,
      price: o.priceCents,
      start_at: o.startAt.toISOString(),
      end_at: o.endAt.toISOString(),
      duration_hours: hourOf(o.endAt.getTime()) - hourOf(o.startAt.getTime()),
      flags: { ioc: o.ioc, post_only: o.postOnly },
      status: o.status,
      status_reason: o.statusReason,
      executed: o.executedNodeHours > 0,
      executed_node_hours: o.executedNodeHours,
      execution_cost: o.executionCostMicro / MICRO_PER_CENT,
      execution_price: gpuHours > 0 ? o.executionCostMicro / MICRO_PER_CENT / gpuHours : null,
      owner_kind: o.ownerKind,
      partner_id: o.ownerKind === 'partner' ? o.ownerId : null,
      capacity_id: o.capacityId,
      subsidy: o.subsidy
        ? {
            tier: o.subsidy.tier,
            rate_multiplier: o.subsidy.rate_multiplier,
            decision_id: o.subsidy.decision_id,
          }
        : null,
      created_at: o.createdAt.toISOString(),
    };
  }
}

export class OrderListDto {
  @ApiProperty({ enum: ['list'] }) object!: 'list';
  @ApiProperty({ type: [OrderDto] }) data!: OrderDto[];
}
