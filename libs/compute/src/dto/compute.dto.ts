import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { ProcurementStatusView } from '../services/procurements.service';
import { DeploymentView } from '../services/deployments.service';
import { Zone } from '../services/zones.service';
import { CapacityEntity } from '../entities/capacity.entity';
import { NodeTemplateEntity } from '../entities/node-template.entity';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const NAME_MSG = '$property must be lowercase letters, digits and dashes (1..63)';

export class NameParams {
  @ApiProperty({ description: 'Name or id' })
  @Matches(/^[A-Za-z0-9-]{1,64}$/)
  name!: string;
}

export class ZoneDto {
  @ApiProperty() name!: string;
  @ApiProperty() available!: boolean;
  @ApiProperty() available_capacity!: number;
  @ApiProperty() region!: string;
  @ApiProperty() hardware_type!: string;
  @ApiProperty({ enum: ['federated-vpn', 'infiniband'] }) interconnect_type!: string;
  @ApiProperty() delivery_type!: string;

  static from(z: Zone): ZoneDto {
    return {
      name: z.name,
      available: z.available,
      available_capacity: z.availableCapacity,
      region: z.region,
      hardware_type: z.hardwareType,
      interconnect_type: z.interconnectType,
      delivery_type: z.deliveryType,
    };
  }
}

export class CreateCapacityDto {
  @ApiProperty({ example: 'inference' })
  @IsString()
  @Matches(NAME, { message: NAME_MSG })
  name!: string;
  @ApiProperty({ example: 'richmond' })
  @IsString()
  @Matches(NAME, { message: NAME_MSG })
  zone!: string;
  @ApiProperty({ example: 'rtx4090x2' }) @IsString() @MaxLength(63) instance_type!: string;
  @ApiPropertyOptional({ enum: ['federated', 'infiniband', 'self-managed'], default: 'federated' })
  @IsOptional()
  @IsIn(['federated', 'infiniband', 'self-managed'])
  cluster?: 'federated' | 'infiniband' | 'self-managed';
  @ApiPropertyOptional({
    default: true,
    description: 'Spot time (falls back to on-demand when none)',
  })
  @IsOptional()
  @IsBoolean()
  spot?: boolean;
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @IsNumber() min_nodes?: number;
  @ApiPropertyOptional({ default: 16 }) @IsOptional() @IsNumber() max_nodes?: number;
}

export class CapacityDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() zone!: string;
  @ApiProperty() instance_type!: string;
  @ApiProperty() cluster!: string;
  @ApiProperty() spot!: boolean;
  @ApiProperty() min_nodes!: number;
  @ApiProperty() max_nodes!: number;
  @ApiPropertyOptional({ type: [Number], description: 'Nodes held per hour block from now' })
  coverage?: number[];
  @ApiProperty() created_at!: string;

  static from(c: CapacityEntity, coverage?: number[]): CapacityDto {
    return {
      id: c.id,
      name: c.name,
      zone: c.zone,
      instance_type: c.instanceType,
      cluster: c.clusterKind,
      spot: c.spot,
      min_nodes: c.minNodes,
      max_nodes: c.maxNodes,
      ...(coverage ? { coverage } : {}),
      created_at: c.createdAt.toISOString(),
    };
  }
}

export class CreateNodeTemplateDto {
  @ApiProperty({ example: 'inference-worker' })
  @IsString()
  @Matches(NAME, { message: NAME_MSG })
  name!: string;
  @ApiProperty({ example: 'ubuntu-22.04.5-cuda-12.7' }) @IsString() @MaxLength(200) image!: string;
  @ApiPropertyOptional({ description: '#cloud-config YAML or a #! script, at most 64 KiB' })
  @IsOptional()
  @IsString()
  cloud_init?: string;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(16384, { each: true })
  ssh_keys?: string[];
}

export class NodeTemplateDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() image!: string;
  @ApiProperty({ nullable: true, type: String, enum: ['cloud-config', 'script'] })
  cloud_init_kind!: string | null;
  @ApiProperty() cloud_init_bytes!: number;
  @ApiProperty({ type: [String] }) ssh_keys!: string[];
  @ApiProperty() created_at!: string;

  static from(t: NodeTemplateEntity): NodeTemplateDto {
    return {
      id: t.id,
      name: t.name,
      image: t.image,
      cloud_init_kind: t.cloudInitKind,
      cloud_init_bytes: t.cloudInit ? Buffer.byteLength(t.cloudInit) : 0,
      ssh_keys: t.sshKeys,
      created_at: t.createdAt.toISOString(),
    };
  }
}

export class CreateDeploymentDto {
  @ApiProperty({ example: 'inference' })
  @IsString()
  @Matches(NAME, { message: NAME_MSG })
  name!: string;
  @ApiProperty({ description: 'Capacity name or id' }) @IsString() @MaxLength(64) capacity!: string;
  @ApiProperty({ description: 'Node template name or id' })
  @IsString()
  @MaxLength(64)
  node_template!: string;
  @ApiProperty({ example: 4 }) @IsNumber() target_node_count!: number;
}

export class SetDeploymentDto {
  @ApiProperty({ example: 8 }) @IsNumber() target_node_count!: number;
}

export class NoticeDto {
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'When the node is preempted unless its time is renewed' })
  deadline!: string;
}

export class DeploymentNodeDto {
  @ApiProperty() id!: string;
  @ApiProperty() seq!: number;
  @ApiProperty({
    enum: [
      'awaiting_allocation',
      'pending',
      'running',
      'released',
      'failed',
      'terminated',
      'preempted',
    ],
  })
  state!: string;
  @ApiProperty({ nullable: true, type: String }) state_reason!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'The agent node the placement policy put it on; null while waiting, or for capacity bought from partners outside this platform’s agents',
  })
  host_node_id!: string | null;
  @ApiProperty({
    nullable: true,
    type: Object,
    description: 'Interruption notice: reason and deadline',
  })
  notice!: { reason: string; deadline: string } | null;
  @ApiProperty({ nullable: true, type: String }) started_at!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'When it was released, terminated, preempted or failed',
  })
  ended_at!: string | null;
  @ApiProperty() created_at!: string;
}

export class DeploymentSubsidyDto {
  @ApiProperty({ example: 'standard' }) tier!: string;
  @ApiProperty({ example: 1, description: 'Share of the list price the owner pays' })
  rate_multiplier!: number;
  @ApiProperty() decision_id!: string;
  @ApiProperty({ nullable: true, type: Number }) policy_version!: number | null;
  @ApiProperty({ description: 'The node count it was decided for' }) target_node_count!: number;
}

export class DeploymentDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() capacity!: string;
  @ApiProperty() node_template!: string;
  @ApiProperty() target_node_count!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Nodes per state',
  })
  counts!: Record<string, number>;
  @ApiProperty({
    type: DeploymentSubsidyDto,
    nullable: true,
    description: "The subsidy policy's decision at create or at the last scale-up",
  })
  subsidy!: DeploymentSubsidyDto | null;
  @ApiProperty({ type: [DeploymentNodeDto] }) nodes!: DeploymentNodeDto[];
  @ApiProperty() created_at!: string;

  static from(v: DeploymentView): DeploymentDto {
    const counts: Record<string, number> = {};
    for (const n of v.nodes) counts[n.state] = (counts[n.state] ?? 0) + 1;
    return {
      id: v.deployment.id,
      name: v.deployment.name,
      capacity: v.capacityName,
      node_template: v.templateName,
      target_node_count: v.deployment.targetNodeCount,
      counts,
      subsidy: v.deployment.subsidy,
      nodes: v.nodes.map((n) => ({
        id: n.id,
        seq: n.seq,
        state: n.state,
        state_reason: n.stateReason,
        host_node_id: n.nodeId,
        notice:
          n.noticeReason && n.noticeDeadline
            ? { reason: n.noticeReason, deadline: n.noticeDeadline.toISOString() }
            : null,
        started_at: n.startedAt?.toISOString() ?? null,
        ended_at: n.endedAt?.toISOString() ?? null,
        created_at: n.createdAt.toISOString(),
      })),
      created_at: v.deployment.createdAt.toISOString(),
    };
  }
}

export class CreateProcurementDto {
  @ApiProperty({ example: 'inference' })
  @IsString()
  @Matches(NAME, { message: NAME_MSG })
  name!: string;
  @ApiProperty({ description: 'Capacity name or id' }) @IsString() @MaxLength(64) capacity!: string;
  @ApiPropertyOptional({
    example: 'node_count',
    default: 'node_count',
    description: '"node_count" or a number',
  })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  target?: string;
  @ApiProperty({ example: 2000, description: 'Cents per GPU-hour' })
  @IsNumber()
  max_buy_price!: number;
  @ApiProperty({ example: 1000, description: 'Cents per GPU-hour' })
  @IsNumber()
  min_sell_price!: number;
  @ApiPropertyOptional({ example: '2h', default: '2h' })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  window?: string;
}

export class ProcurementDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() capacity!: string;
  @ApiProperty({ description: '"node_count" or a number' }) target!: string;
  @ApiProperty() max_buy_price!: number;
  @ApiProperty() min_sell_price!: number;
  @ApiProperty() window_hours!: number;
  @ApiProperty({ enum: ['active', 'paused'] }) status!: string;
  @ApiProperty({ type: [Number], description: 'Nodes wanted per block of the window' })
  need!: number[];
  @ApiProperty({
    type: [Number],
    description: 'Nodes held per block of the window (coverage ahead)',
  })
  coverage!: number[];
  @ApiProperty({ nullable: true, type: String }) next_renewal!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Average cents per GPU-hour paid' })
  price_paid!: number | null;
  @ApiProperty({ description: 'List value bought this month, cents' }) spend_this_month!: number;
  @ApiProperty({ nullable: true, type: String }) last_tick_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) last_error!: string | null;

  static from(v: ProcurementStatusView): ProcurementDto {
    const p = v.procurement;
    return {
      id: p.id,
      name: p.name,
      capacity: v.capacity.name,
      target: p.targetKind === 'node_count' ? 'node_count' : String(p.targetNodes),
      max_buy_price: p.maxBuyPriceCents,
      min_sell_price: p.minSellPriceCents,
      window_hours: p.windowHours,
      status: p.status,
      need: v.need,
      coverage: v.coverage,
      next_renewal: v.nextRenewal?.toISOString() ?? null,
      price_paid: v.pricePaidCents,
      spend_this_month: v.spendThisMonthCents,
      last_tick_at: p.lastTickAt?.toISOString() ?? null,
      last_error: p.lastError,
    };
  }
}
