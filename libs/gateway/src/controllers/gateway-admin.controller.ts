import { Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiErrors, Clock, ConflictError, UpstreamError } from '@nanopod/common';
import { AdminOnly } from '@nanopod/identity';
import type { Response } from 'express';
import { toStandaloneYaml } from '../core/standalone-yaml';
import { GatewayConfigDto, GatewayConfigQueryDto, GatewaySyncDto } from '../dto/gateway.dto';
import { GatewayErrorCodes } from '../gateway.errors';
import { ApisixAdminError } from '../ports/apisix-admin.port';
import { GatewaySyncService } from '../services/gateway-sync.service';

@ApiTags('gateway')
@Controller('v1/gateway')
export class GatewayAdminController {
  constructor(
    private readonly sync: GatewaySyncService,
    private readonly clock: Clock,
  ) {}

  @Get('config')
  @AdminOnly()
  @ApiOperation({
    summary: 'What APISIX should hold: JSON, or the standalone apisix.yaml (format=apisix-yaml)',
  })
  @ApiOkResponse({ type: GatewayConfigDto })
  @ApiProduces('application/json', 'application/yaml')
  @ApiErrors(400)
  async config(
    @Query() query: GatewayConfigQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<GatewayConfigDto | string> {
    const desired = await this.sync.desired();
    if (query.format === 'apisix-yaml') {
      res.type('application/yaml');
      return toStandaloneYaml(desired, this.clock.now());
    }
    return desired as unknown as GatewayConfigDto;
  }

  @Post('sync')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Compare APISIX with the platform now and repair the difference' })
  @ApiOkResponse({ type: GatewaySyncDto })
  @ApiErrors(409, 502)
  async syncNow(): Promise<GatewaySyncDto> {
    // Not a passing outage: this platform is set up without APISIX, so retrying cannot help.
    if (!this.sync.enabled) {
      throw new ConflictError(
        GatewayErrorCodes.notConfigured,
        'No APISIX Admin API is configured (NANOPOD_APISIX_ADMIN_URL)',
      );
    }
    try {
      const report = await this.sync.syncOnce();
      return {
        changes: report.applied.map((o) => ({ kind: o.kind, resource: o.resource, id: o.id })),
        synced_at: report.at.toISOString(),
      };
    } catch (err) {
      if (err instanceof ApisixAdminError) {
        throw new UpstreamError(GatewayErrorCodes.syncFailed, err.message);
      }
      throw err;
    }
  }
}
