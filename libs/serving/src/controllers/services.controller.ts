import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { Authenticated, CurrentPrincipal, Principal } from '@nanopod/identity';
import {
  ListServicesQuery,
  LogsQuery,
  ReplicaParams,
  ServeUpdateDto,
  ServeUpDto,
  ServiceDto,
  ServiceListDto,
  ServiceLogsDto,
  ServiceNameParams,
  toServiceDto,
} from '../dto/serving.dto';
import { LoadBalancer } from '../services/load-balancer.service';
import { ServiceView, ServingService } from '../services/serving.service';

@ApiTags('services')
@Controller('v1/services')
export class ServicesController {
  constructor(
    private readonly serving: ServingService,
    private readonly balancer: LoadBalancer,
  ) {}

  /** The view with the request rate the load balancer of this instance has seen. */
  private dto(view: ServiceView): ServiceDto {
    const name = view.service.name;
    return toServiceDto(view, {
      qps: this.balancer.qps(name),
      requests_per_second: this.balancer.rateSeries(name),
    });
  }

  @Post()
  @Authenticated('write')
  @ApiOperation({
    summary: 'Start a service (serve up)',
    description:
      "The spec (SkyServe's YAML) is checked first: 422 serving.invalid_spec with details.fields. Then the subsidy policy (kind deployment; deny: 403).",
  })
  @ApiCreatedResponse({ type: ServiceDto })
  @ApiErrors(400, 403, 409, 422)
  async up(@CurrentPrincipal() p: Principal, @Body() body: ServeUpDto): Promise<ServiceDto> {
    return this.dto(await this.serving.up(p, body.name, body.spec));
  }

  @Get()
  @Authenticated('read')
  @ApiOperation({ summary: 'Your live services (serve status)' })
  @ApiOkResponse({ type: ServiceListDto })
  @ApiErrors(400)
  async list(
    @CurrentPrincipal() p: Principal,
    @Query() q: ListServicesQuery,
  ): Promise<ServiceListDto> {
    const views = await this.serving.list(p, q.all === 'true');
    return { data: views.map((v) => this.dto(v)) };
  }

  @Get(':name')
  @Authenticated('read')
  @ApiOperation({ summary: 'One service with its replicas' })
  @ApiOkResponse({ type: ServiceDto })
  @ApiErrors(400, 404)
  async get(
    @CurrentPrincipal() p: Principal,
    @Param() params: ServiceNameParams,
  ): Promise<ServiceDto> {
    return this.dto(await this.serving.get(p, params.name));
  }

  @Put(':name')
  @Authenticated('write')
  @ApiOperation({ summary: 'Rolling update to a new spec version (serve update)' })
  @ApiOkResponse({ type: ServiceDto })
  @ApiErrors(400, 403, 404, 409, 422)
  async update(
    @CurrentPrincipal() p: Principal,
    @Param() params: ServiceNameParams,
    @Body() body: ServeUpdateDto,
  ): Promise<ServiceDto> {
    return this.dto(await this.serving.update(p, params.name, body.spec));
  }

  @Delete(':name')
  @Authenticated('write')
  @ApiOperation({ summary: 'Shut the service down (serve down)' })
  @ApiOkResponse({ type: ServiceDto })
  @ApiErrors(400, 404)
  async down(
    @CurrentPrincipal() p: Principal,
    @Param() params: ServiceNameParams,
  ): Promise<ServiceDto> {
    return this.dto(await this.serving.down(p, params.name));
  }

  @Get(':name/logs')
  @Authenticated('read')
  @ApiOperation({ summary: "Replicas' recent output (serve logs)" })
  @ApiOkResponse({ type: ServiceLogsDto })
  @ApiErrors(400, 404)
  async logs(
    @CurrentPrincipal() p: Principal,
    @Param() params: ServiceNameParams,
    @Query() q: LogsQuery,
  ): Promise<ServiceLogsDto> {
    return { logs: await this.serving.logs(p, params.name, q.replica) };
  }

  @Post(':name/replicas/:replica/preempt')
  @Authenticated('admin')
  @ApiOperation({ summary: 'Interrupt a replica as a spot interruption would (admin)' })
  @ApiCreatedResponse({ type: ServiceDto })
  @ApiErrors(400, 403, 404)
  async preempt(
    @CurrentPrincipal() p: Principal,
    @Param() params: ReplicaParams,
  ): Promise<ServiceDto> {
    return this.dto(await this.serving.preempt(p, params.name, params.replica));
  }
}
