import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { AdminOnly } from '@nanopod/identity';
import { DecideDto, LimitQuery } from '../dto/policy-request.dto';
import {
  DecideResultDto,
  DecisionLogListDto,
  DecisionLogEntryDto,
} from '../dto/policy-response.dto';
import { PolicyLabService } from '../store/policy-lab.service';

/** The decision log and ad-hoc decisions. Registered before PoliciesController (`:name`). */
@ApiTags('policies')
@Controller('v1/policies')
export class PolicyDecisionsController {
  constructor(private readonly lab: PolicyLabService) {}

  @Get('decisions')
  @AdminOnly()
  @ApiOperation({ summary: 'The latest logged subsidy decisions, newest first' })
  @ApiOkResponse({ type: DecisionLogListDto })
  @ApiErrors(400)
  async list(@Query() query: LimitQuery): Promise<DecisionLogListDto> {
    const rows = await this.lab.recentDecisions(query.limit ?? 50);
    return { data: rows.map((d) => DecisionLogEntryDto.from(d)) };
  }

  @Post('decide')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'Evaluate the subsidy decision for an input',
    description:
      'On the active policies, or with one version of a policy in place of its active one. ' +
      'Not logged. An evaluation error answers the fail-closed decision with the error.',
  })
  @ApiOkResponse({ type: DecideResultDto })
  @ApiErrors(400, 404, 422)
  async decide(@Body() body: DecideDto): Promise<DecideResultDto> {
    const target =
      body.version === undefined
        ? undefined
        : { name: body.policy ?? 'subsidy', version: body.version };
    const r = await this.lab.decide(body.input, target);
    return { decision: r.decision, error: r.error, versions: r.versions, latency_us: r.latencyUs };
  }
}
