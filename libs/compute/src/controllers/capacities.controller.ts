import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, Clock } from '@nanopod/common';
import { Authenticated, CurrentPrincipal, Principal } from '@nanopod/identity';
import { hourOf, MarketService } from '@nanopod/market';
import {
  CapacityDto,
  CreateCapacityDto,
  CreateNodeTemplateDto,
  NameParams,
  NodeTemplateDto,
} from '../dto/compute.dto';
import { CatalogService } from '../services/catalog.service';

const COVERAGE_HOURS = 24;

@ApiTags('compute')
@Controller('v1/capacities')
export class CapacitiesController {
  constructor(
    private readonly catalog: CatalogService,
    private readonly market: MarketService,
    private readonly clock: Clock,
  ) {}

  @Post()
  @Authenticated('write')
  @ApiOperation({ summary: 'Create a capacity: a named pool of compute time in a zone' })
  @ApiCreatedResponse({ type: CapacityDto })
  @ApiErrors(400, 409, 422)
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() b: CreateCapacityDto,
  ): Promise<CapacityDto> {
    const c = await this.catalog.createCapacity(p.userId, {
      name: b.name,
      zone: b.zone,
      instanceType: b.instance_type,
      clusterKind: b.cluster ?? 'federated',
      spot: b.spot ?? true,
      minNodes: b.min_nodes ?? 0,
      maxNodes: b.max_nodes ?? 16,
    });
    return CapacityDto.from(c);
  }

  @Get()
  @Authenticated('read')
  @ApiOkResponse({ type: [CapacityDto] })
  async list(@CurrentPrincipal() p: Principal): Promise<CapacityDto[]> {
    return (await this.catalog.capacities(p.userId)).map((c) => CapacityDto.from(c));
  }

  @Get(':name')
  @Authenticated('read')
  @ApiOperation({ summary: 'A capacity with the nodes it holds per hour block for the next day' })
  @ApiOkResponse({ type: CapacityDto })
  @ApiErrors(404)
  async get(@CurrentPrincipal() p: Principal, @Param() params: NameParams): Promise<CapacityDto> {
    const c = await this.catalog.capacity(p.userId, params.name);
    const coverage = await this.market.coverage(c.id, hourOf(this.clock.nowMs()), COVERAGE_HOURS);
    return CapacityDto.from(c, coverage);
  }
}

@ApiTags('compute')
@Controller('v1/node-templates')
export class NodeTemplatesController {
  constructor(private readonly catalog: CatalogService) {}

  @Post()
  @Authenticated('write')
  @ApiOperation({
    summary: 'Create a node template (image, cloud-init, SSH keys)',
    description:
      'cloud_init: #cloud-config YAML or a #! script, at most 64 KiB; otherwise 422 with the field.',
  })
  @ApiCreatedResponse({ type: NodeTemplateDto })
  @ApiErrors(400, 409, 422)
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() b: CreateNodeTemplateDto,
  ): Promise<NodeTemplateDto> {
    const t = await this.catalog.createTemplate(p.userId, {
      name: b.name,
      image: b.image,
      cloudInit: b.cloud_init ?? null,
      sshKeys: b.ssh_keys ?? [],
    });
    return NodeTemplateDto.from(t);
  }

  @Get()
  @Authenticated('read')
  @ApiOkResponse({ type: [NodeTemplateDto] })
  async list(@CurrentPrincipal() p: Principal): Promise<NodeTemplateDto[]> {
    return (await this.catalog.templates(p.userId)).map((t) => NodeTemplateDto.from(t));
  }
}
