import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, Clock } from '@nanopod/common';
import { Authenticated, CurrentPrincipal } from '../auth/decorators';
import { Principal } from '../auth/principal';
import {
  ApiKeyDto,
  ApiKeyIdParams,
  ApiKeyListDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
} from '../dto/api-key.dto';
import { ApiKeysService } from '../services/api-keys.service';

@ApiTags('api-keys')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly clock: Clock,
  ) {}

  @Post()
  @Authenticated('write')
  @ApiOperation({
    summary: 'Create an API key',
    description: 'The secret is in this answer only; it is stored hashed.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrors(400)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyDto> {
    const { key, token } = await this.apiKeys.create(principal, {
      name: body.name,
      scopes: body.scopes,
      expiresAt: body.expires_at,
    });
    return { ...ApiKeyDto.from(key, this.clock.now()), secret: token };
  }

  @Get()
  @Authenticated('read')
  @ApiOperation({ summary: 'List your API keys' })
  @ApiOkResponse({ type: ApiKeyListDto })
  async list(@CurrentPrincipal() principal: Principal): Promise<ApiKeyListDto> {
    const now = this.clock.now();
    return { data: (await this.apiKeys.list(principal.userId)).map((k) => ApiKeyDto.from(k, now)) };
  }

  @Delete(':id')
  @HttpCode(200)
  @Authenticated('write')
  @ApiOperation({
    summary: 'Revoke an API key',
    description: 'Refused at once on every platform instance.',
  })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrors(400, 404)
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @Param() params: ApiKeyIdParams,
  ): Promise<ApiKeyDto> {
    return ApiKeyDto.from(await this.apiKeys.revoke(principal, params.id), this.clock.now());
  }
}
