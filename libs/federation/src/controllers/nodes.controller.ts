import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { AdminOnly, Authenticated, CurrentPrincipal, Principal } from '@nanopod/identity';
import {
  NodeDto,
  NodeExecDto,
  NodeExecResponseDto,
  NodeIdParams,
  NodeListDto,
} from '../dto/node.dto';
import { NodeExecService } from '../services/node-exec.service';
import { NodesService } from '../services/nodes.service';

@ApiTags('nodes')
@Controller('v1/nodes')
export class NodesController {
  constructor(
    private readonly nodes: NodesService,
    private readonly exec: NodeExecService,
  ) {}

  @Get()
  @Authenticated('read')
  @ApiOperation({
    summary: 'List nodes',
    description: "Admins: all; partner owners: their partners' nodes.",
  })
  @ApiOkResponse({ type: NodeListDto })
  async list(@CurrentPrincipal() p: Principal): Promise<NodeListDto> {
    return { data: (await this.nodes.list(p)).map((v) => NodeDto.from(v)) };
  }

  @Post('exec')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'Run a command on every matching node',
    description: 'Through the agents, concurrently; output and exit code per node.',
  })
  @ApiOkResponse({ type: NodeExecResponseDto })
  @ApiErrors(400)
  async execute(
    @CurrentPrincipal() p: Principal,
    @Body() body: NodeExecDto,
  ): Promise<NodeExecResponseDto> {
    return {
      results: await this.exec.run(p, body.selector, body.argv, body.timeout_seconds ?? 30),
    };
  }

  @Get(':id')
  @Authenticated('read')
  @ApiOperation({ summary: 'Get a node' })
  @ApiOkResponse({ type: NodeDto })
  @ApiErrors(404)
  async get(@CurrentPrincipal() p: Principal, @Param() params: NodeIdParams): Promise<NodeDto> {
    return NodeDto.from(await this.nodes.get(p, params.id));
  }

  @Post(':id/cordon')
  @HttpCode(200)
  @Authenticated('write')
  @ApiOperation({ summary: 'Cordon a node: no new work (admins and partner owners)' })
  @ApiOkResponse({ type: NodeDto })
  @ApiErrors(404, 409)
  async cordon(@CurrentPrincipal() p: Principal, @Param() params: NodeIdParams): Promise<NodeDto> {
    return NodeDto.from(await this.nodes.cordon(p, params.id, true));
  }

  @Post(':id/uncordon')
  @HttpCode(200)
  @Authenticated('write')
  @ApiOperation({ summary: 'Uncordon a node (also ends a drain)' })
  @ApiOkResponse({ type: NodeDto })
  @ApiErrors(404, 409)
  async uncordon(
    @CurrentPrincipal() p: Principal,
    @Param() params: NodeIdParams,
  ): Promise<NodeDto> {
    return NodeDto.from(await this.nodes.cordon(p, params.id, false));
  }

  @Post(':id/drain')
  @HttpCode(200)
  @Authenticated('write')
  @ApiOperation({ summary: 'Drain a node: cordon, and drained once its work has ended' })
  @ApiOkResponse({ type: NodeDto })
  @ApiErrors(404, 409)
  async drain(@CurrentPrincipal() p: Principal, @Param() params: NodeIdParams): Promise<NodeDto> {
    return NodeDto.from(await this.nodes.drain(p, params.id));
  }

  @Delete(':id')
  @HttpCode(200)
  @Authenticated('write')
  @ApiOperation({
    summary: 'Terminate a node',
    description: 'For good: its credential stops working and its running work fails.',
  })
  @ApiOkResponse({ type: NodeDto })
  @ApiErrors(404)
  async terminate(
    @CurrentPrincipal() p: Principal,
    @Param() params: NodeIdParams,
  ): Promise<NodeDto> {
    return NodeDto.from(await this.nodes.terminate(p, params.id));
  }
}
