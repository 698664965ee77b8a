import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { Authenticated, CurrentPrincipal, Principal } from '@nanopod/identity';
import {
  CreateDeploymentDto,
  DeploymentDto,
  NameParams,
  SetDeploymentDto,
} from '../dto/compute.dto';
import { DeploymentsService } from '../services/deployments.service';

@ApiTags('compute')
@Controller('v1/deployments')
export class DeploymentsController {
  constructor(private readonly deployments: DeploymentsService) {}

  @Post()
  @Authenticated('write')
  @ApiOperation({
    summary: 'Deploy a node template on a capacity',
    description:
      'Nodes appear in awaiting_allocation and start once the capacity holds compute time.',
  })
  @ApiCreatedResponse({ type: DeploymentDto })
  @ApiErrors(400, 403, 404, 409, 422)
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() b: CreateDeploymentDto,
  ): Promise<DeploymentDto> {
    return DeploymentDto.from(
      await this.deployments.create(p, {
        name: b.name,
        capacity: b.capacity,
        nodeTemplate: b.node_template,
        targetNodeCount: b.target_node_count,
      }),
    );
  }

  @Get()
  @Authenticated('read')
  @ApiOkResponse({ type: [DeploymentDto] })
  async list(@CurrentPrincipal() p: Principal): Promise<DeploymentDto[]> {
    return (await this.deployments.list(p.userId)).map((v) => DeploymentDto.from(v));
  }

  @Get(':name')
  @Authenticated('read')
  @ApiOkResponse({ type: DeploymentDto })
  @ApiErrors(404)
  async get(@CurrentPrincipal() p: Principal, @Param() params: NameParams): Promise<DeploymentDto> {
    return DeploymentDto.from(await this.deployments.get(p.userId, params.name));
  }

  @Patch(':name')
  @Authenticated('write')
  @ApiOperation({
    summary: 'Set the target node count (up: new nodes wait for time; down: excess released)',
  })
  @ApiOkResponse({ type: DeploymentDto })
  @ApiErrors(400, 403, 404, 422)
  async set(
    @CurrentPrincipal() p: Principal,
    @Param() params: NameParams,
    @Body() b: SetDeploymentDto,
  ): Promise<DeploymentDto> {
    return DeploymentDto.from(
      await this.deployments.setTarget(p, params.name, b.target_node_count),
    );
  }

  @Delete(':name')
  @HttpCode(204)
  @Authenticated('write')
  @ApiNoContentResponse()
  @ApiErrors(404)
  async remove(@CurrentPrincipal() p: Principal, @Param() params: NameParams): Promise<void> {
    await this.deployments.remove(p.userId, params.name);
  }
}
