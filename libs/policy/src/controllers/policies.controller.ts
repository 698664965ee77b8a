import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { AdminOnly, CurrentPrincipal, Principal } from '@nanopod/identity';
import {
  ActivatePolicyDto,
  CreatePolicyVersionDto,
  DryRunDto,
  LimitQuery,
  PolicyNameParams,
  PolicyVersionParams,
  RollbackPolicyDto,
  ValidatePolicyDto,
} from '../dto/policy-request.dto';
import {
  ActivationDto,
  ActivationListDto,
  DryRunResultDto,
  PolicyDetailDto,
  PolicyDto,
  PolicyListDto,
  PolicyVersionDetailDto,
  PolicyVersionDto,
  PolicyVersionListDto,
  PolicyVersionSourceDto,
  TestRunDto,
  ValidationResultDto,
} from '../dto/policy-response.dto';
import { PolicyAdminService } from '../store/policy-admin.service';
import { PolicyLabService } from '../store/policy-lab.service';

/** Policy administration: versions, validation, tests, dry runs, activation. Admins only. */
@ApiTags('policies')
@Controller('v1/policies')
export class PoliciesController {
  constructor(
    private readonly admin: PolicyAdminService,
    private readonly lab: PolicyLabService,
  ) {}

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'List policies with their active versions' })
  @ApiOkResponse({ type: PolicyListDto })
  async list(): Promise<PolicyListDto> {
    return { data: (await this.admin.list()).map((p) => PolicyDto.from(p)) };
  }

  @Get(':name')
  @AdminOnly()
  @ApiOperation({ summary: 'A policy and the source of its active version' })
  @ApiOkResponse({ type: PolicyDetailDto })
  @ApiErrors(400, 404)
  async get(@Param() p: PolicyNameParams): Promise<PolicyDetailDto> {
    const { policy, active } = await this.admin.get(p.name);
    return {
      ...PolicyDto.from(policy),
      active: active ? PolicyVersionSourceDto.withSource(active) : null,
    };
  }

  @Get(':name/versions')
  @AdminOnly()
  @ApiOperation({ summary: 'Versions of a policy, newest first' })
  @ApiOkResponse({ type: PolicyVersionListDto })
  @ApiErrors(400, 404)
  async versions(@Param() p: PolicyNameParams): Promise<PolicyVersionListDto> {
    return { data: (await this.admin.versions(p.name)).map((v) => PolicyVersionDto.from(v)) };
  }

  @Get(':name/versions/:version')
  @AdminOnly()
  @ApiOperation({ summary: 'One version with its source and the diff from the active version' })
  @ApiOkResponse({ type: PolicyVersionDetailDto })
  @ApiErrors(400, 404)
  async version(@Param() p: PolicyVersionParams): Promise<PolicyVersionDetailDto> {
    const r = await this.admin.version(p.name, p.version);
    return {
      ...PolicyVersionSourceDto.withSource(r.version),
      active_version: r.activeVersion,
      diff: r.diff,
    };
  }

  @Post(':name/versions')
  @AdminOnly()
  @ApiOperation({
    summary: 'Save a draft version',
    description:
      'Parsed and compiled with the other active policies first; any error answers 422 ' +
      '`policy.invalid` with `details.errors` `[{code, message, file, row, col}]` and nothing is saved.',
  })
  @ApiCreatedResponse({ type: PolicyVersionSourceDto })
  @ApiErrors(400, 404, 422)
  async createDraft(
    @Param() p: PolicyNameParams,
    @Body() body: CreatePolicyVersionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PolicyVersionSourceDto> {
    const v = await this.admin.createDraft(p.name, body, { userId: principal.userId });
    return PolicyVersionSourceDto.withSource(v);
  }

  @Post(':name/validate')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Check a source without saving it: every error with file:row:col' })
  @ApiOkResponse({ type: ValidationResultDto })
  @ApiErrors(400, 404)
  async validate(
    @Param() p: PolicyNameParams,
    @Body() body: ValidatePolicyDto,
  ): Promise<ValidationResultDto> {
    return ValidationResultDto.from(await this.lab.validate(p.name, body.source, body.tests));
  }

  @Post(':name/versions/:version/test')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: "Run the version's test_ rules with the other active policies" })
  @ApiOkResponse({ type: TestRunDto })
  @ApiErrors(400, 404, 422)
  async test(@Param() p: PolicyVersionParams): Promise<TestRunDto> {
    return TestRunDto.from(await this.lab.test(p.name, p.version));
  }

  @Post(':name/versions/:version/dry-run')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'Re-evaluate the latest logged decisions with this version',
    description:
      'Each logged input is evaluated today by the active policies and by this version: how many ' +
      'decisions would flip (allow changes) or change, which, and for whom.',
  })
  @ApiOkResponse({ type: DryRunResultDto })
  @ApiErrors(400, 404, 422)
  async dryRun(@Param() p: PolicyVersionParams, @Body() body: DryRunDto): Promise<DryRunResultDto> {
    const report = await this.lab.dryRun(p.name, p.version, body.limit ?? 100);
    return DryRunResultDto.from(p.name, p.version, report);
  }

  @Post(':name/versions/:version/activate')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'Activate a version (audited); every instance evaluates it within 2 seconds',
    description:
      "The version's own tests run first: any failing answers 409 `policy.tests_failing` with " +
      '`details.failed`, unless `force` (the activation message then records it).',
  })
  @ApiOkResponse({ type: ActivationDto })
  @ApiErrors(400, 404, 409, 422)
  async activate(
    @Param() p: PolicyVersionParams,
    @Body() body: ActivatePolicyDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ActivationDto> {
    const a = await this.admin.activate(
      p.name,
      p.version,
      body.message ?? '',
      { userId: principal.userId },
      body.force === true,
    );
    return ActivationDto.from(a);
  }

  @Post(':name/rollback')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Activate an earlier version again, as a new audited activation' })
  @ApiOkResponse({ type: ActivationDto })
  @ApiErrors(400, 404, 409, 422)
  async rollback(
    @Param() p: PolicyNameParams,
    @Body() body: RollbackPolicyDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ActivationDto> {
    const a = await this.admin.rollback(p.name, body.version, body.message ?? '', {
      userId: principal.userId,
    });
    return ActivationDto.from(a);
  }

  @Get(':name/log')
  @AdminOnly()
  @ApiOperation({ summary: 'Activation audit: who activated what, when, from which version, diff' })
  @ApiOkResponse({ type: ActivationListDto })
  @ApiErrors(400, 404)
  async log(@Param() p: PolicyNameParams, @Query() q: LimitQuery): Promise<ActivationListDto> {
    return {
      data: (await this.admin.log(p.name, q.limit ?? 50)).map((a) => ActivationDto.from(a)),
    };
  }
}
