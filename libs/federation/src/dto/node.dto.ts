import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateNested,
  MaxLength,
  MinLength,
} from 'class-validator';
import { nodeState } from '../entities/node.entity';
import type { GpuInventory } from '../protocol/agent-protocol';
import type { NodeExecResult } from '../services/node-exec.service';
import type { NodeView } from '../services/nodes.service';

export class NodeIdParams {
  @ApiProperty({
    description: 'The node id (a UUID) or its name (409 when several of your nodes share it)',
    example: 'pod-7',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  id!: string;
}

/** One GPU of a node, as its agent reported it. */
export class GpuDto implements GpuInventory {
  @ApiProperty({ example: 0 }) index!: number;
  @ApiProperty({ example: 'NVIDIA GeForce RTX 4090' }) model!: string;
  @ApiProperty({ example: 24564 }) memory_mb!: number;
  @ApiProperty({ nullable: true, type: String, example: '550.54.14' }) driver!: string | null;
  @ApiProperty({ enum: ['nvidia', 'amd', 'other'] }) vendor!: 'nvidia' | 'amd' | 'other';
}

/** Why a node could not run the command. */
export class NodeExecErrorDto {
  @ApiProperty({ example: 'federation.node_not_connected' }) code!: string;
  @ApiProperty() message!: string;
}

export class NodeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) partner_id!: string;
  @ApiProperty() zone!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  labels!: Record<string, string>;
  @ApiProperty({ enum: ['federated', 'infiniband'] }) kind!: string;
  @ApiProperty({ enum: ['running', 'unhealthy', 'lost', 'draining', 'drained', 'terminated'] })
  state!: string;
  @ApiProperty({ enum: ['healthy', 'unhealthy', 'lost'] }) health!: string;
  @ApiProperty() cordoned!: boolean;
  @ApiProperty({ description: 'Whether the agent channel is open on this platform instance' })
  connected!: boolean;
  @ApiProperty() cpu_cores!: number;
  @ApiProperty() memory_mb!: number;
  @ApiProperty({ type: [GpuDto] }) gpus!: GpuDto[];
  @ApiProperty({ type: [String] }) workload_classes!: string[];
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'Where the platform reaches forwarded replica ports on this node, as issued with its ' +
      'enrollment token (null: the node runs no serving replicas)',
  })
  address!: string | null;
  @ApiProperty({ type: [String] }) runtimes!: string[];
  @ApiProperty({
    type: Object,
    nullable: true,
    description:
      "What the node's agent claims (kind, zone, workload classes) where it differs from what " +
      'the platform issued with its enrollment token. Shown, never trusted.',
  })
  claimed!: { kind?: string; zone?: string; workload_classes?: string[] } | null;
  @ApiProperty({ nullable: true, type: String }) agent_version!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_heartbeat_at!:
    string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: Object }) inventory!: object;

  static from(v: NodeView): NodeDto {
    const n = v.node;
    return {
      id: n.id,
      name: n.name,
      partner_id: n.partnerId,
      zone: n.zone,
      labels: n.labels,
      kind: n.kind,
      state: nodeState(n),
      health: n.health,
      cordoned: n.cordoned,
      connected: v.connected,
      cpu_cores: n.inventory.cpu_cores,
      memory_mb: n.inventory.memory_mb,
      gpus: n.inventory.gpus,
      workload_classes: n.workloadClasses,
      address: n.address ?? null,
      claimed: n.claimed,
      runtimes: n.inventory.runtimes,
      agent_version: n.agentVersion,
      last_heartbeat_at: n.lastHeartbeatAt?.toISOString() ?? null,
      created_at: n.createdAt.toISOString(),
      inventory: n.inventory,
    };
  }
}

export class NodeListDto {
  @ApiProperty({ type: [NodeDto] }) data!: NodeDto[];
}

export class NodeSelectorDto {
  @ApiPropertyOptional({ example: 'richmond' })
  @IsOptional()
  @IsString()
  zone?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { gpu: 'rtx' },
    description: '`gpu` also matches GPU models',
  })
  @IsOptional()
  @IsObject()
  labels?: Record<string, string>;

  @ApiPropertyOptional({ type: [String], description: 'Node ids or names' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  node_ids?: string[];
}

export class NodeExecDto {
  @ApiProperty({ type: NodeSelectorDto })
  @ValidateNested()
  @Type(() => NodeSelectorDto)
  selector!: NodeSelectorDto;

  @ApiProperty({ type: [String], example: ['nvidia-smi', '-L'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  argv!: string[];

  @ApiPropertyOptional({ example: 30, minimum: 1, maximum: 3600 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3600)
  timeout_seconds?: number;
}

export class NodeExecResultDto implements NodeExecResult {
  @ApiProperty() node_id!: string;
  @ApiProperty() node_name!: string;
  @ApiProperty() connected!: boolean;
  @ApiProperty({ nullable: true, type: Number }) exit_code!: number | null;
  @ApiProperty({ nullable: true, type: String }) signal!: string | null;
  @ApiProperty() stdout!: string;
  @ApiProperty() stderr!: string;
  @ApiProperty({ nullable: true, type: Number }) duration_ms!: number | null;
  @ApiProperty({ nullable: true, type: NodeExecErrorDto }) error!: NodeExecErrorDto | null;
}

export class NodeExecResponseDto {
  @ApiProperty({ type: [NodeExecResultDto] }) results!: NodeExecResultDto[];
}
