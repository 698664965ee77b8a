import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { AdminOnly, CurrentPrincipal, Principal } from '@nanopod/identity';
import { AllowListDto, AllowListEntryBodyDto, AllowListEntryDto } from '../dto/reputation.dto';
import { AllowListService } from './allow-list.service';

@ApiTags('reputation')
@Controller('v1/reputation/allow-list')
export class AllowListController {
  constructor(private readonly allowList: AllowListService) {}

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'Organizations and repositories whose contributors earn reputation' })
  @ApiOkResponse({ type: AllowListDto })
  async list(): Promise<AllowListDto> {
    return { data: (await this.allowList.list()).map((e) => AllowListEntryDto.from(e)) };
  }

  @Post()
  @AdminOnly()
  @ApiOperation({ summary: 'Add org:NAME or repo:OWNER/NAME' })
  @ApiCreatedResponse({ type: AllowListEntryDto })
  @ApiErrors(400, 409)
  async add(
    @CurrentPrincipal() p: Principal,
    @Body() b: AllowListEntryBodyDto,
  ): Promise<AllowListEntryDto> {
    return AllowListEntryDto.from(await this.allowList.add(b.entry, p.userId));
  }

  @Delete()
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Remove an entry (?entry=org:NAME)' })
  @ApiOkResponse({ type: AllowListEntryDto })
  @ApiErrors(400, 404)
  async remove(@Query() q: AllowListEntryBodyDto): Promise<AllowListEntryDto> {
    return AllowListEntryDto.from(await this.allowList.remove(q.entry));
  }
}
