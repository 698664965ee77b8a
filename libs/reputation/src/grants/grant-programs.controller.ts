import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, Clock } from '@nanopod/common';
import { AdminOnly, Authenticated, CurrentPrincipal, Principal } from '@nanopod/identity';
import {
  ApplyDto,
  CreateGrantProgramDto,
  GrantApplicationDto,
  GrantDto,
  GrantProgramDto,
  GrantProgramListDto,
  GrantToUserDto,
  IdParams,
  UpdateGrantProgramDto,
} from '../dto/grants.dto';
import { GrantsService } from './grants.service';

@ApiTags('grants')
@Controller('v1/grants/programs')
export class GrantProgramsController {
  constructor(
    private readonly grants: GrantsService,
    private readonly clock: Clock,
  ) {}

  @Post()
  @AdminOnly()
  @ApiOperation({ summary: 'Create a subsidy grant program' })
  @ApiCreatedResponse({ type: GrantProgramDto })
  @ApiErrors(400, 409)
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() b: CreateGrantProgramDto,
  ): Promise<GrantProgramDto> {
    const program = await this.grants.createProgram(
      {
        name: b.name.trim(),
        monthlyGpuHours: b.monthly_gpu_hours,
        rateMultiplier: b.rate_multiplier,
        eligibility: b.eligibility ?? '',
        startsAt: b.starts_at,
        endsAt: b.ends_at,
      },
      p.userId,
    );
    return GrantProgramDto.from(program, this.clock.now());
  }

  @Get()
  @Authenticated('read')
  @ApiOperation({ summary: 'Grant programs (upcoming, open and ended)' })
  @ApiOkResponse({ type: GrantProgramListDto })
  async list(): Promise<GrantProgramListDto> {
    const now = this.clock.now();
    return { data: (await this.grants.listPrograms()).map((p) => GrantProgramDto.from(p, now)) };
  }

  @Get(':id')
  @Authenticated('read')
  @ApiOperation({ summary: 'One grant program' })
  @ApiOkResponse({ type: GrantProgramDto })
  @ApiErrors(400, 404)
  async get(@Param() params: IdParams): Promise<GrantProgramDto> {
    return GrantProgramDto.from(await this.grants.program(params.id), this.clock.now());
  }

  @Patch(':id')
  @AdminOnly()
  @ApiOperation({
    summary: 'Change a grant program',
    description: 'Existing grants follow the new cap, rate and dates.',
  })
  @ApiOkResponse({ type: GrantProgramDto })
  @ApiErrors(400, 404, 409)
  async update(
    @Param() params: IdParams,
    @Body() b: UpdateGrantProgramDto,
  ): Promise<GrantProgramDto> {
    const program = await this.grants.updateProgram(params.id, {
      name: b.name?.trim(),
      monthlyGpuHours: b.monthly_gpu_hours,
      rateMultiplier: b.rate_multiplier,
      eligibility: b.eligibility,
      startsAt: b.starts_at,
      endsAt: b.ends_at,
    });
    return GrantProgramDto.from(program, this.clock.now());
  }

  @Post(':id/grants')
  @AdminOnly()
  @ApiOperation({ summary: 'Grant the program to a user (by user_id or github_login)' })
  @ApiCreatedResponse({ type: GrantDto })
  @ApiErrors(400, 404, 409)
  async grant(
    @CurrentPrincipal() p: Principal,
    @Param() params: IdParams,
    @Body() b: GrantToUserDto,
  ): Promise<GrantDto> {
    const g = await this.grants.grant(
      params.id,
      { userId: b.user_id, githubLogin: b.github_login },
      p.userId,
    );
    return GrantDto.from(g, this.clock.now());
  }

  @Post(':id/applications')
  @Authenticated('write')
  @ApiOperation({
    summary: 'Apply to a grant program with a short statement',
    description: 'One open application per program.',
  })
  @ApiCreatedResponse({ type: GrantApplicationDto })
  @ApiErrors(400, 404, 409)
  async apply(
    @CurrentPrincipal() p: Principal,
    @Param() params: IdParams,
    @Body() b: ApplyDto,
  ): Promise<GrantApplicationDto> {
    return GrantApplicationDto.from(await this.grants.apply(params.id, p.userId, b.statement));
  }
}
