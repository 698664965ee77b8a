import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { AdminOnly, Authenticated, CurrentPrincipal, Principal } from '@nanopod/identity';
import {
  CreateEnrollmentTokenDto,
  CreatePartnerDto,
  EnrollmentTokenDto,
  PartnerDto,
  PartnerIdParams,
  PartnerListDto,
} from '../dto/partner.dto';
import { EnrollmentService } from '../services/enrollment.service';
import { PartnersService } from '../services/partners.service';

@ApiTags('partners')
@Controller('v1/partners')
export class PartnersController {
  constructor(
    private readonly partners: PartnersService,
    private readonly enrollment: EnrollmentService,
  ) {}

  @Post()
  @AdminOnly()
  @ApiOperation({ summary: 'Create a partner (an organization that owns nodes)' })
  @ApiCreatedResponse({ type: PartnerDto })
  @ApiErrors(400, 409)
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() body: CreatePartnerDto,
  ): Promise<PartnerDto> {
    return PartnerDto.from(
      await this.partners.create(p, {
        name: body.name,
        displayName: body.display_name,
        ownerIds: body.owner_ids,
      }),
    );
  }

  @Get()
  @Authenticated('read')
  @ApiOperation({ summary: 'List partners (admins: all; others: the ones they own)' })
  @ApiOkResponse({ type: PartnerListDto })
  async list(@CurrentPrincipal() p: Principal): Promise<PartnerListDto> {
    return { data: (await this.partners.list(p)).map((x) => PartnerDto.from(x)) };
  }

  @Get(':id')
  @Authenticated('read')
  @ApiOperation({ summary: 'Get a partner' })
  @ApiOkResponse({ type: PartnerDto })
  @ApiErrors(400, 404)
  async get(
    @CurrentPrincipal() p: Principal,
    @Param() params: PartnerIdParams,
  ): Promise<PartnerDto> {
    return PartnerDto.from(await this.partners.get(p, params.id));
  }

  @Post(':id/enrollment-tokens')
  @Authenticated('write')
  @ApiOperation({
    summary: 'Create a node enrollment token',
    description: 'Admins and partner owners. Single use, expiring; shown once, stored hashed.',
  })
  @ApiCreatedResponse({ type: EnrollmentTokenDto })
  @ApiErrors(400, 403, 404)
  async createToken(
    @CurrentPrincipal() p: Principal,
    @Param() params: PartnerIdParams,
    @Body() body: CreateEnrollmentTokenDto,
  ): Promise<EnrollmentTokenDto> {
    return EnrollmentTokenDto.from(
      await this.enrollment.createToken(p, params.id, {
        expiresInSeconds: body.expires_in_seconds,
        zone: body.zone,
        labels: body.labels,
        kind: body.kind,
        workloadClasses: body.workload_classes,
        address: body.address,
      }),
    );
  }
}
