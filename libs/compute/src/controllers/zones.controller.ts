import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '@nanopod/identity';
import { ZoneDto } from '../dto/compute.dto';
import { ZonesService } from '../services/zones.service';

@ApiTags('compute')
@Controller('v1/zones')
export class ZonesController {
  constructor(private readonly zones: ZonesService) {}

  @Get()
  @Authenticated('read')
  @ApiOperation({ summary: 'Zones: from where nodes are and what capacities name' })
  @ApiOkResponse({ type: [ZoneDto] })
  async list(): Promise<ZoneDto[]> {
    return (await this.zones.list()).map((z) => ZoneDto.from(z));
  }
}
