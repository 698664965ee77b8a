import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { MeDto } from '../dto/me.dto';
import { QuotaDto } from '../dto/quota.dto';
import { QuotasService } from '../services/quotas.service';

@ApiTags('identity')
@Controller('v1/me')
export class MeController {
  constructor(private readonly quotas: QuotasService) {}

  @Get()
  @Authenticated('read')
  @ApiOperation({
    summary: 'Who am I',
    description: 'Works with a session cookie, a realm access token or an API key.',
  })
  @ApiOkResponse({ type: MeDto })
  async me(@CurrentPrincipal() principal: Principal): Promise<MeDto> {
    return {
      ...MeDto.from(principal.user, principal),
      quota: QuotaDto.from(await this.quotas.forUser(principal.userId)),
    };
  }
}
