import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { Authenticated } from '@nanopod/identity';
import { INSTANCE_TYPES } from '../core';
import { DepthDto, DepthQuery, InstanceTypeDto, PriceQuery, SpotPriceDto } from '../dto/market.dto';
import { MarketQueriesService } from '../services/market-queries.service';

@ApiTags('market')
@Controller('v1/market')
export class MarketController {
  constructor(private readonly queries: MarketQueriesService) {}

  @Get('price')
  @Authenticated('read')
  @ApiOperation({
    summary: 'Spot price (last clearing price) of a zone and instance type, with history',
  })
  @ApiOkResponse({ type: SpotPriceDto })
  @ApiErrors(400, 422)
  price(@Query() q: PriceQuery): Promise<SpotPriceDto> {
    return this.queries.price(q.zone, q.instance_type, q.hours ?? 24);
  }

  @Get('book')
  @Authenticated('read')
  @ApiOperation({ summary: 'Order book depth for one hour block' })
  @ApiOkResponse({ type: DepthDto })
  @ApiErrors(400, 422)
  book(@Query() q: DepthQuery): Promise<DepthDto> {
    return this.queries.depth(q.zone, q.instance_type, q.at);
  }

  @Get('instance-types')
  @Authenticated('read')
  @ApiOperation({ summary: 'Instance types the market trades' })
  @ApiOkResponse({ type: [InstanceTypeDto] })
  instanceTypes(): InstanceTypeDto[] {
    return INSTANCE_TYPES.map((t) => ({
      name: t.name,
      gpu_model: t.gpuModel,
      gpu_count: t.gpuCount,
      cpu: t.cpu,
      memory_mb: t.memoryMb,
    }));
  }
}
