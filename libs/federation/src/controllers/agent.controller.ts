import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { NodeCredentialGuard } from '../auth/node-credential.guard';
import {
  AgentNodeParams,
  EnrollDto,
  EnrollResponseDto,
  HeartbeatAckDto,
  HeartbeatDto,
} from '../dto/agent.dto';
import { EnrollmentService } from '../services/enrollment.service';
import { NodesService } from '../services/nodes.service';

/** The node agents' HTTP side (the channel is a WebSocket on `/v1/agent/nodes/:nodeId/channel`). */
@ApiTags('agent')
@Controller('v1/agent')
export class AgentController {
  constructor(
    private readonly enrollment: EnrollmentService,
    private readonly nodes: NodesService,
  ) {}

  @Post('enroll')
  @ApiOperation({
    summary: 'Trade an enrollment token for a node and its credential',
    description: 'No auth header: the single-use token is the credential. Used: 409; expired: 401.',
  })
  @ApiCreatedResponse({ type: EnrollResponseDto })
  @ApiErrors(400, 401, 409)
  enroll(@Body() body: EnrollDto): Promise<EnrollResponseDto> {
    return this.enrollment.enroll(body);
  }

  @Post('nodes/:nodeId/heartbeat')
  @HttpCode(200)
  @UseGuards(NodeCredentialGuard)
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Heartbeat with inventory (node credential)' })
  @ApiOkResponse({ type: HeartbeatAckDto })
  @ApiErrors(400, 401, 403)
  heartbeat(
    @Param() params: AgentNodeParams,
    @Body() body: HeartbeatDto,
  ): Promise<HeartbeatAckDto> {
    return this.nodes.heartbeat(params.nodeId, body);
  }
}
