import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { AdminOnly, CurrentPrincipal } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { QuotaDto, SetQuotaDto, UserIdParams } from '../dto/quota.dto';
import { QuotasService } from '../services/quotas.service';
import { ListUsersQueryDto, UserDto, UserListDto } from '../dto/user.dto';
import { UsersService } from '../services/users.service';

@ApiTags('admin')
@Controller('v1/admin/users')
export class AdminUsersController {
  constructor(
    private readonly users: UsersService,
    private readonly quotas: QuotasService,
  ) {}

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'List users (admin)' })
  @ApiOkResponse({ type: UserListDto })
  @ApiErrors(400)
  async list(@Query() query: ListUsersQueryDto): Promise<UserListDto> {
    const [rows, total] = await this.users.list({
      limit: query.limit ?? 50,
      offset: query.offset ?? 0,
    });
    return { data: rows.map((u) => UserDto.from(u)), total };
  }

  @Get(':id/quota')
  @AdminOnly()
  @ApiOperation({ summary: "A user's sandbox quota (admin)" })
  @ApiOkResponse({ type: QuotaDto })
  @ApiErrors(400, 404)
  async quota(@Param() params: UserIdParams): Promise<QuotaDto> {
    await this.users.get(params.id);
    return QuotaDto.from(await this.quotas.forUser(params.id));
  }

  @Put(':id/quota')
  @AdminOnly()
  @ApiOperation({
    summary: "Set a user's sandbox quota (admin)",
    description: 'Fields left out keep their value; null returns a limit to the default.',
  })
  @ApiOkResponse({ type: QuotaDto })
  @ApiErrors(400, 404)
  async setQuota(
    @CurrentPrincipal() p: Principal,
    @Param() params: UserIdParams,
    @Body() body: SetQuotaDto,
  ): Promise<QuotaDto> {
    await this.users.get(params.id);
    return QuotaDto.from(
      await this.quotas.set(p.userId, params.id, {
        sandboxes: body.max_sandboxes,
        cpu: body.max_cpu,
        memoryMb: body.max_memory_mb,
        gpus: body.max_gpus,
      }),
    );
  }
}
