import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { Authenticated, CurrentPrincipal, Principal } from '@nanopod/identity';
import { CreateProcurementDto, NameParams, ProcurementDto } from '../dto/compute.dto';
import { ProcurementsService } from '../services/procurements.service';

@ApiTags('compute')
@Controller('v1/procurements')
export class ProcurementsController {
  constructor(private readonly procurements: ProcurementsService) {}

  @Post()
  @Authenticated('write')
  @ApiOperation({
    summary: 'Keep a capacity covered: buy up to max, sell unused time at no less than min',
  })
  @ApiCreatedResponse({ type: ProcurementDto })
  @ApiErrors(400, 404, 409, 422)
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() b: CreateProcurementDto,
  ): Promise<ProcurementDto> {
    return ProcurementDto.from(
      await this.procurements.create(p.userId, {
        name: b.name,
        capacity: b.capacity,
        target: b.target ?? 'node_count',
        maxBuyPriceCents: b.max_buy_price,
        minSellPriceCents: b.min_sell_price,
        window: b.window ?? '2h',
      }),
    );
  }

  @Get()
  @Authenticated('read')
  @ApiOkResponse({ type: [ProcurementDto] })
  async list(@CurrentPrincipal() p: Principal): Promise<ProcurementDto[]> {
    return (await this.procurements.list(p.userId)).map((v) => ProcurementDto.from(v));
  }

  @Get(':name')
  @Authenticated('read')
  @ApiOperation({ summary: 'Status: price paid, coverage ahead, next renewal, spend this month' })
  @ApiOkResponse({ type: ProcurementDto })
  @ApiErrors(404)
  async get(
    @CurrentPrincipal() p: Principal,
    @Param() params: NameParams,
  ): Promise<ProcurementDto> {
    return ProcurementDto.from(await this.procurements.status(p.userId, params.name));
  }

  @Post(':name/pause')
  @Authenticated('write')
  @ApiOkResponse({ type: ProcurementDto })
  @ApiErrors(404)
  async pause(
    @CurrentPrincipal() p: Principal,
    @Param() params: NameParams,
  ): Promise<ProcurementDto> {
    return ProcurementDto.from(await this.procurements.setStatus(p.userId, params.name, 'paused'));
  }

  @Post(':name/resume')
  @Authenticated('write')
  @ApiOkResponse({ type: ProcurementDto })
  @ApiErrors(404)
  async resume(
    @CurrentPrincipal() p: Principal,
    @Param() params: NameParams,
  ): Promise<ProcurementDto> {
    return ProcurementDto.from(await this.procurements.setStatus(p.userId, params.name, 'active'));
  }
}
