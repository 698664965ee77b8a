import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { MeDto } from '../dto/me.dto';

@ApiTags('identity')
@Controller('v1/me')
export class MeController {
  @Get()
  @Authenticated('read')
  @ApiOperation({
    summary: 'Who am I',
    description: 'Works with a session cookie, a realm access token or an API key.',
  })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentPrincipal() principal: Principal): MeDto {
    return MeDto.from(principal.user, principal);
  }
}
