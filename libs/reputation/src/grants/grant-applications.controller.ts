import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, Clock } from '@nanopod/common';
import { AdminOnly, Authenticated, CurrentPrincipal, Principal } from '@nanopod/identity';
import {
  ApplicationsQuery,
  ApprovedApplicationDto,
  DecideApplicationDto,
  GrantApplicationDto,
  GrantApplicationListDto,
  GrantDto,
  IdParams,
  MyGrantsDto,
  RejectApplicationDto,
} from '../dto/grants.dto';
import { GrantsService } from './grants.service';

@ApiTags('grants')
@Controller('v1/grants/applications')
export class GrantApplicationsController {
  constructor(
    private readonly grants: GrantsService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'Grant applications, newest first (admins)' })
  @ApiOkResponse({ type: GrantApplicationListDto })
  @ApiErrors(400)
  async list(@Query() q: ApplicationsQuery): Promise<GrantApplicationListDto> {
    const rows = await this.grants.listApplications({ status: q.status, programId: q.program_id });
    return {
      data: rows.map((r) => ({
        ...GrantApplicationDto.from(r.application, r.githubLogin),
        reputation: r.reputation,
      })),
    };
  }

  @Get(':id')
  @Authenticated('read')
  @ApiOperation({ summary: 'One application (the applicant or an admin)' })
  @ApiOkResponse({ type: GrantApplicationDto })
  @ApiErrors(400, 404)
  async get(
    @CurrentPrincipal() p: Principal,
    @Param() params: IdParams,
  ): Promise<GrantApplicationDto> {
    return GrantApplicationDto.from(await this.grants.application(p, params.id));
  }

  @Post(':id/approve')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Approve an open application: creates the grant' })
  @ApiOkResponse({ type: ApprovedApplicationDto })
  @ApiErrors(400, 404, 409)
  async approve(
    @CurrentPrincipal() p: Principal,
    @Param() params: IdParams,
    @Body() b: DecideApplicationDto,
  ): Promise<ApprovedApplicationDto> {
    const r = await this.grants.approve(params.id, p.userId, b.note ?? null);
    return {
      application: GrantApplicationDto.from(r.application),
      grant: GrantDto.from(r.grant, this.clock.now()),
    };
  }

  @Post(':id/reject')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Reject an open application with a note' })
  @ApiOkResponse({ type: GrantApplicationDto })
  @ApiErrors(400, 404, 409)
  async reject(
    @CurrentPrincipal() p: Principal,
    @Param() params: IdParams,
    @Body() b: RejectApplicationDto,
  ): Promise<GrantApplicationDto> {
    return GrantApplicationDto.from(await this.grants.reject(params.id, p.userId, b.note));
  }
}

@ApiTags('grants')
@Controller('v1/me/grants')
export class MyGrantsController {
  constructor(
    private readonly grants: GrantsService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @Authenticated('read')
  @ApiOperation({ summary: 'Your grants and grant applications' })
  @ApiOkResponse({ type: MyGrantsDto })
  async mine(@CurrentPrincipal() p: Principal): Promise<MyGrantsDto> {
    const now = this.clock.now();
    const r = await this.grants.mine(p.userId);
    return {
      grants: r.grants.map((g) => GrantDto.from(g, now)),
      applications: r.applications.map((a) => GrantApplicationDto.from(a)),
    };
  }
}
