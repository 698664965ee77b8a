import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { Authenticated, CurrentPrincipal, Principal } from '@nanopod/identity';
import { ReputationDto } from '../dto/reputation.dto';
import { ReputationService } from './reputation.service';

@ApiTags('reputation')
@Controller('v1/me/reputation')
export class ReputationController {
  constructor(private readonly reputation: ReputationService) {}

  @Get()
  @Authenticated('read')
  @ApiOperation({
    summary: 'Your reputation score with each part explained',
    description:
      'Computed on first view, then refreshed on a schedule. Unknown parts are explicit, never zero.',
  })
  @ApiOkResponse({ type: ReputationDto })
  async show(@CurrentPrincipal() p: Principal): Promise<ReputationDto> {
    return ReputationDto.from(await this.reputation.show(p.userId));
  }

  @Post('refresh')
  @HttpCode(200)
  @Authenticated('write')
  @ApiOperation({
    summary: 'Recompute your reputation now',
    description: 'At most once a minute (429 with retry_after).',
  })
  @ApiOkResponse({ type: ReputationDto })
  @ApiErrors(429)
  async refresh(@CurrentPrincipal() p: Principal): Promise<ReputationDto> {
    return ReputationDto.from(await this.reputation.refresh(p.userId));
  }
}
