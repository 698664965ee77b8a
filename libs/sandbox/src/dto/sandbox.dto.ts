import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  Matches,
} from 'class-validator';
import { isUuid } from '@nanopod/common';
import { SANDBOX_STATES, SandboxEntity } from '../entities/sandbox.entity';
import { SANDBOX_NAME } from '../names/sandbox-name';
import { SANDBOX_DEFAULTS } from '../sandbox-defaults';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_MAX_ENTRIES = 256;
const ENV_MAX_BYTES = 64 * 1024;

/**
 * Environment maps: names a shell accepts, string values without NUL, bounded in count and
 * size. Checked here so a bad map is a 400, not an error from the node.
 */
function IsEnvMap(): PropertyDecorator {
  return ValidateBy({
    name: 'isEnvMap',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length > ENV_MAX_ENTRIES) return false;
        let bytes = 0;
        for (const [k, v] of entries) {
          if (!ENV_NAME.test(k) || typeof v !== 'string' || v.includes('\0')) return false;
          bytes += k.length + v.length;
        }
        return bytes <= ENV_MAX_BYTES;
      },
      defaultMessage: () =>
        `$property must map names ([A-Za-z_][A-Za-z0-9_]*) to strings, at most ${ENV_MAX_ENTRIES} entries and ${ENV_MAX_BYTES} bytes`,
    },
  });
}

/** A sandbox name that cannot be taken for an id (a UUID-shaped name would shadow one). */
function IsSandboxName(): PropertyDecorator {
  return ValidateBy({
    name: 'isSandboxName',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && SANDBOX_NAME.test(value) && !isUuid(value),
      defaultMessage: () =>
        '$property must be 1-63 lowercase letters, digits and dashes, starting and ending with a letter or digit, and not a UUID',
    },
  });
}

export class SandboxResourcesDto {
  @ApiPropertyOptional({ example: 1, default: SANDBOX_DEFAULTS.cpu, minimum: 0.1, maximum: 256 })
  @IsOptional()
  @IsNumber()
  @Min(0.1)
  @Max(256)
  cpu?: number;

  @ApiPropertyOptional({ example: 512, default: SANDBOX_DEFAULTS.memoryMb, minimum: 64 })
  @IsOptional()
  @IsInt()
  @Min(64)
  @Max(4 * 1024 * 1024)
  memory_mb?: number;

  @ApiPropertyOptional({ example: 0, default: SANDBOX_DEFAULTS.gpus, minimum: 0, maximum: 16 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(16)
  gpus?: number;

  @ApiPropertyOptional({ example: 'rtx 4090', description: 'Matched against GPU models' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  gpu_type?: string;
}

export class CreateSandboxDto {
  @ApiPropertyOptional({
    example: 'train-llama',
    maxLength: 63,
    pattern: SANDBOX_NAME.source,
    description:
      'Unique among your sandboxes that are not deleted; usable instead of the id in every ' +
      '/v1/sandboxes/{id} route. Absent: a generated one (brave-otter-3f2a)',
  })
  @IsOptional()
  @IsSandboxName()
  name?: string;

  @ApiPropertyOptional({
    enum: ['bwrap', 'firecracker', 'daytona', 'kubernetes'],
    default: SANDBOX_DEFAULTS.runtime,
  })
  @IsOptional()
  @IsIn(['bwrap', 'firecracker', 'daytona', 'kubernetes'])
  runtime?: 'bwrap' | 'firecracker' | 'daytona' | 'kubernetes';

  @ApiPropertyOptional({ type: SandboxResourcesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SandboxResourcesDto)
  resources?: SandboxResourcesDto;

  @ApiPropertyOptional({
    example: 3600,
    default: SANDBOX_DEFAULTS.ttlSeconds,
    minimum: 10,
    maximum: 7 * 86400,
  })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(7 * 86400)
  ttl_seconds?: number;

  @ApiPropertyOptional({
    example: 900,
    default: SANDBOX_DEFAULTS.idleTimeoutSeconds,
    description: 'Stop after this long without exec',
  })
  @IsOptional()
  @IsInt()
  @Min(5)
  @Max(7 * 86400)
  idle_timeout_seconds?: number;

  @ApiPropertyOptional({ enum: ['none', 'egress'], default: SANDBOX_DEFAULTS.network })
  @IsOptional()
  @IsIn(['none', 'egress'])
  network?: 'none' | 'egress';

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { PYTHONUNBUFFERED: '1' },
  })
  @IsOptional()
  @IsEnvMap()
  env?: Record<string, string>;

  @ApiPropertyOptional({
    enum: ['latency_tolerant', 'latency_sensitive'],
    default: SANDBOX_DEFAULTS.workloadClass,
  })
  @IsOptional()
  @IsIn(['latency_tolerant', 'latency_sensitive'])
  workload_class?: 'latency_tolerant' | 'latency_sensitive';
}

export class SandboxIdParams {
  @ApiProperty({ description: 'The sandbox id (a UUID) or its name', example: 'train-llama' })
  @IsString()
  @Matches(new RegExp(`${SANDBOX_NAME.source}|^[0-9a-fA-F-]{36}$`), {
    message: 'id must be a sandbox name or id (a UUID)',
  })
  id!: string;
}

export class ListSandboxesQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: "Admins: everyone's sandboxes" })
  @IsOptional()
  @IsIn(['true', 'false'])
  all?: 'true' | 'false';

  @ApiPropertyOptional({ enum: SANDBOX_STATES })
  @IsOptional()
  @IsIn(SANDBOX_STATES)
  state?: (typeof SANDBOX_STATES)[number];

  @ApiPropertyOptional({ example: 'train-llama', description: 'Only the sandbox of this name' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  name?: string;
}

/** The resources a sandbox was given (defaults filled in). */
export class SandboxResourcesViewDto {
  @ApiProperty({ example: 1 }) cpu!: number;
  @ApiProperty({ example: 512 }) memory_mb!: number;
  @ApiProperty({ example: 0 }) gpus!: number;
  @ApiProperty({ nullable: true, type: String, example: 'rtx 4090' }) gpu_type!: string | null;
}

/** The subsidy decision taken when the sandbox was created. */
export class SandboxSubsidyDto {
  @ApiProperty({ example: 'standard' }) tier!: string;
  @ApiProperty({ example: 1 }) rate_multiplier!: number;
  @ApiProperty({ example: 0 }) max_gpu_hours!: number;
  @ApiProperty({ nullable: true, type: String }) decision_id!: string | null;
  @ApiProperty({ nullable: true, type: Number }) policy_version!: number | null;
}

export class SandboxDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'brave-otter-3f2a', description: 'Unique among the owner’s sandboxes' })
  name!: string;
  @ApiProperty({ format: 'uuid' }) owner_id!: string;
  @ApiProperty({ enum: SANDBOX_STATES }) state!: string;
  @ApiProperty({ nullable: true, type: String, example: 'idle' }) reason!: string | null;
  @ApiProperty() runtime!: string;
  @ApiProperty({ type: SandboxResourcesViewDto }) resources!: SandboxResourcesViewDto;
  @ApiProperty({ enum: ['none', 'egress'] }) network!: string;
  @ApiProperty({ type: [String] }) env_keys!: string[];
  @ApiProperty() workload_class!: string;
  @ApiProperty({ nullable: true, type: String }) node_id!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'pod-7',
    description: 'The name of the node it runs on (null before placement)',
  })
  node_name!: string | null;
  @ApiProperty() ttl_seconds!: number;
  @ApiProperty() idle_timeout_seconds!: number;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
  @ApiProperty({ format: 'date-time' }) last_activity_at!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) started_at!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) stopped_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: SandboxSubsidyDto }) subsidy!: SandboxSubsidyDto;
  @ApiProperty({
    description:
      'Estimated cost (credits: full-TTL list price at your rate) held against your balance ' +
      'while the sandbox is active; metering settles it, ending releases the rest',
  })
  reserved_cost!: number;

  static from(s: SandboxEntity, nodeName: string | null = null): SandboxDto {
    return {
      id: s.id,
      name: s.name,
      owner_id: s.ownerId,
      state: s.state,
      reason: s.stateReason,
      runtime: s.runtime,
      resources: { cpu: s.cpu, memory_mb: s.memoryMb, gpus: s.gpus, gpu_type: s.gpuType },
      network: s.network,
      env_keys: Object.keys(s.env ?? {}),
      workload_class: s.workloadClass,
      node_id: s.nodeId,
      node_name: s.nodeId ? nodeName : null,
      ttl_seconds: s.ttlSeconds,
      idle_timeout_seconds: s.idleTimeoutSeconds,
      expires_at: s.expiresAt.toISOString(),
      last_activity_at: s.lastActivityAt.toISOString(),
      started_at: s.startedAt?.toISOString() ?? null,
      stopped_at: s.stoppedAt?.toISOString() ?? null,
      created_at: s.createdAt.toISOString(),
      subsidy: s.subsidy,
      reserved_cost: (s.reservedMicro ?? 0) / 1_000_000,
    };
  }
}

export class SandboxListDto {
  @ApiProperty({ type: [SandboxDto] }) data!: SandboxDto[];
}

export class ExecDto {
  @ApiPropertyOptional({ type: [String], example: ['python3', 'main.py'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10000)
  @IsString({ each: true })
  argv?: string[];

  @ApiPropertyOptional({
    example: 'python3 main.py > out.txt',
    description: 'A shell line (sh -c)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100000)
  command?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsEnvMap()
  env?: Record<string, string>;

  @ApiPropertyOptional({ example: '.', description: 'Relative to the work dir' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  cwd?: string;

  @ApiPropertyOptional({ example: 60, minimum: 1, maximum: 86400 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  timeout_seconds?: number;
}

export class ExecQuery {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'One JSON answer instead of NDJSON lines',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  wait?: 'true' | 'false';
}

export class ExecResultDto {
  @ApiProperty() stdout!: string;
  @ApiProperty() stderr!: string;
  @ApiProperty({ nullable: true, type: Number }) exit_code!: number | null;
  @ApiProperty({ nullable: true, type: String }) signal!: string | null;
  @ApiProperty() duration_ms!: number;
  @ApiProperty({ nullable: true, type: String, example: 'wall_time_limit' }) reason!: string | null;
}

/** One NDJSON line of exec output. */
export class ExecOutputLineDto {
  @ApiProperty({ enum: ['stdout', 'stderr'] }) stream!: 'stdout' | 'stderr';
  @ApiProperty({ example: 'hello\n' }) data!: string;
}

/** The last NDJSON line of an exec that ran to its end. */
export class ExecExitLineDto {
  @ApiProperty({ nullable: true, type: Number }) exit_code!: number | null;
  @ApiProperty({ nullable: true, type: String }) signal!: string | null;
  @ApiProperty() duration_ms!: number;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'wall_time_limit' })
  reason?: string | null;
}

export class FilePathQuery {
  @ApiProperty({ example: 'main.py', description: 'Relative to the work dir' })
  @IsString()
  @MaxLength(4096)
  path!: string;
}

export class OptionalPathQuery {
  @ApiPropertyOptional({ example: '.', default: '.' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  path?: string;
}

export class FilePutResultDto {
  @ApiProperty() path!: string;
  @ApiProperty() bytes!: number;
}

export class FileEntryDto {
  @ApiProperty() path!: string;
  @ApiProperty() size!: number;
  @ApiProperty({ enum: ['file', 'dir'] }) type!: string;
  @ApiProperty({ format: 'date-time' }) modified_at!: string;
}

export class FileListDto {
  @ApiProperty({ type: [FileEntryDto] }) data!: FileEntryDto[];
}
