import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBooleanString,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
} from 'class-validator';
import { REPLICA_STATUSES, SERVICE_STATUSES } from '../core/states';
import type { ServiceView } from '../services/serving.service';

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

export class ServeUpDto {
  @ApiProperty({ example: 'echo', description: 'The service name; its endpoint is /s/{name}/' })
  @IsString()
  @Matches(NAME, {
    message: 'name must be lower case letters, digits and -, starting with a letter',
  })
  name!: string;

  @ApiProperty({
    description: "The service spec, YAML in SkyServe's shape",
    example:
      'service:\n  readiness_probe: /health\n  replicas: 1\nresources:\n  ports: 8080\nrun: node server.js\n',
  })
  @IsString()
  @MaxLength(65536)
  spec!: string;
}

export class ServeUpdateDto {
  @ApiProperty({ description: 'The new spec (a new version, rolled out replica by replica)' })
  @IsString()
  @MaxLength(65536)
  spec!: string;
}

export class ServiceNameParams {
  @ApiProperty({ example: 'echo' })
  @IsString()
  @Matches(NAME, { message: 'name must be lower case letters, digits and -' })
  name!: string;
}

export class ReplicaParams extends ServiceNameParams {
  @ApiProperty({ example: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  replica!: number;
}

export class ListServicesQuery {
  @ApiPropertyOptional({ description: 'Admins: every owner', example: 'false' })
  @IsOptional()
  @IsBooleanString()
  all?: string;
}

export class LogsQuery {
  @ApiPropertyOptional({ example: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  replica?: number;
}

export class ReplicaDto {
  @ApiProperty({ example: 1 }) replica_id!: number;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ enum: REPLICA_STATUSES }) status!: string;
  @ApiProperty({ nullable: true, type: String }) status_reason!: string | null;
  @ApiProperty({ enum: ['spot', 'on_demand'] }) pricing!: string;
  @ApiProperty({ nullable: true, type: String }) node_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) gpu_type!: string | null;
  @ApiProperty() gpus!: number;
  @ApiProperty() launched_at!: string;
  @ApiProperty({ nullable: true, type: String }) ready_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) ended_at!: string | null;
}

export class ServiceSubsidyDto {
  @ApiProperty({ example: 'standard' }) tier!: string;
  @ApiProperty({ example: 1, description: 'Share of the list price the owner pays' })
  rate_multiplier!: number;
  @ApiProperty() decision_id!: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'The replica count it was decided for (max_replicas at serve up, then each scale-up)',
  })
  replicas!: number | null;
}

export class ServiceDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'echo' }) name!: string;
  @ApiProperty({ enum: SERVICE_STATUSES }) status!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ description: 'The path the load balancer serves it on', example: '/s/echo/' })
  endpoint!: string;
  @ApiProperty({ description: 'READY replicas' }) ready_replicas!: number;
  @ApiProperty({ description: 'Replicas not yet ended (shutting down included)' })
  total_replicas!: number;
  @ApiProperty({ description: "The autoscaler's target" }) target_replicas!: number;
  @ApiProperty({ enum: ['least_load', 'round_robin'] }) load_balancing_policy!: string;
  @ApiProperty({ nullable: true, type: Number }) last_cold_start_ms!: number | null;
  @ApiProperty({ type: [ReplicaDto] }) replicas!: ReplicaDto[];
  @ApiProperty({
    type: ServiceSubsidyDto,
    description:
      "The subsidy policy's latest decision: at serve up or update, and at each scale-up",
  })
  subsidy!: ServiceSubsidyDto;
  @ApiProperty({ description: 'The spec as given (YAML)' }) spec!: string;
  @ApiProperty() created_at!: string;
  @ApiProperty({
    description:
      'Requests per second through the load balancer over the last minute, as the autoscaler reads it (this platform instance)',
  })
  qps!: number;
  @ApiProperty({
    type: [Number],
    description: 'Requests in each of the last 60 seconds, oldest first (this platform instance)',
  })
  requests_per_second!: number[];
}

export class ServiceListDto {
  @ApiProperty({ type: [ServiceDto] }) data!: ServiceDto[];
}

export class ServiceLogsDto {
  @ApiProperty() logs!: string;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** The view as the API answers it; ended replicas are kept (ids only grow). */
export interface ServiceTraffic {
  qps: number;
  requests_per_second: number[];
}

export function toServiceDto(
  { service, replicas }: ServiceView,
  traffic: ServiceTraffic = { qps: 0, requests_per_second: [] },
): ServiceDto {
  const live = replicas.filter((r) => !r.endedAt);
  return {
    id: service.id,
    name: service.name,
    status: service.status,
    version: service.version,
    endpoint: `/s/${service.name}/`,
    ready_replicas: live.filter((r) => r.status === 'READY').length,
    total_replicas: live.length,
    target_replicas: service.scaler.target,
    load_balancing_policy: service.spec.service.load_balancing_policy,
    last_cold_start_ms: service.lastColdStartMs,
    subsidy: {
      tier: service.subsidy.tier,
      rate_multiplier: service.subsidy.rate_multiplier,
      decision_id: service.subsidy.decision_id,
      replicas: service.subsidy.replicas ?? null,
    },
    spec: service.specYaml,
    created_at: iso(service.createdAt)!,
    replicas: replicas.map((r) => ({
      replica_id: r.replicaId,
      version: r.version,
      status: r.status,
      status_reason: r.statusReason,
      pricing: r.pricing,
      node_id: r.nodeId,
      gpu_type: r.gpuType,
      gpus: r.gpus,
      launched_at: iso(r.launchedAt)!,
      ready_at: iso(r.readyAt),
      ended_at: iso(r.endedAt),
    })),
    qps: traffic.qps,
    requests_per_second: traffic.requests_per_second,
  };
}
