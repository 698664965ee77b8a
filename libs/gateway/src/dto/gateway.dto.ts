import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class GatewayConfigQueryDto {
  @ApiProperty({
    required: false,
    enum: ['json', 'apisix-yaml'],
    description: '`apisix-yaml`: the standalone `apisix.yaml` (ends with `#END`) as text',
  })
  @IsOptional()
  @IsIn(['json', 'apisix-yaml'])
  format?: 'json' | 'apisix-yaml';
}

export class GatewayConfigDto {
  @ApiProperty({ type: [Object], description: 'APISIX upstreams (Admin API v3 fields, with id)' })
  upstreams!: Record<string, unknown>[];

  @ApiProperty({ type: [Object], description: 'APISIX routes (Admin API v3 fields, with id)' })
  routes!: Record<string, unknown>[];

  @ApiProperty({ type: [Object], description: 'APISIX global rules' })
  global_rules!: Record<string, unknown>[];
}

export class GatewaySyncChangeDto {
  @ApiProperty({ enum: ['put', 'delete'] })
  kind!: 'put' | 'delete';

  @ApiProperty({ example: 'routes' })
  resource!: string;

  @ApiProperty({ example: 'nanopod-api' })
  id!: string;
}

export class GatewaySyncDto {
  @ApiProperty({
    type: [GatewaySyncChangeDto],
    description: 'Admin API calls made (empty: in line)',
  })
  changes!: GatewaySyncChangeDto[];

  @ApiProperty({ type: String, format: 'date-time' })
  synced_at!: string;
}
