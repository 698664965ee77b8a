import { ApiProperty } from '@nestjs/swagger';
import { IsArray, IsObject, IsString, MaxLength, MinLength, IsUUID } from 'class-validator';
import type { EnrollRequest, Heartbeat, NodeInventory } from '../protocol/agent-protocol';

export class EnrollDto implements EnrollRequest {
  @ApiProperty({ description: 'The enrollment token (npe_...)' })
  @IsString()
  token!: string;

  @ApiProperty({ example: 'nanopod-01' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ type: Object, description: 'NodeInventory (see the agent protocol)' })
  @IsObject()
  inventory!: NodeInventory;
}

export class EnrollResponseDto {
  @ApiProperty({ format: 'uuid' }) node_id!: string;
  @ApiProperty({ description: 'The node credential (npn_...); shown this once' })
  credential!: string;
  @ApiProperty() heartbeat_interval_ms!: number;
}

export class HeartbeatDto implements Heartbeat {
  @ApiProperty({ type: Object })
  @IsObject()
  inventory!: NodeInventory;

  @ApiProperty({ type: [Object] })
  @IsArray()
  sandboxes!: Heartbeat['sandboxes'];
}

export class HeartbeatAckDto {
  @ApiProperty({ format: 'uuid' }) node_id!: string;
  @ApiProperty() state!: string;
  @ApiProperty() cordoned!: boolean;
  @ApiProperty() heartbeat_interval_ms!: number;
}

export class AgentNodeParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'nodeId must be a UUID' })
  nodeId!: string;
}
