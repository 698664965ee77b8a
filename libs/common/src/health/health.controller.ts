import { Controller, Get, HttpCode, Module } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ErrorBodyDto } from '../errors/error-body.dto';
import { CommonErrorCodes, UnavailableError } from '../errors/nanopod.error';

export class HealthDto {
  @ApiProperty({ example: 'ok' })
  status!: 'ok';
}

export class ReadyDto extends HealthDto {
  @ApiProperty({ example: { database: 'ok' } })
  checks!: Record<string, 'ok'>;
}

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  @Get('healthz')
  @HttpCode(200)
  @ApiOkResponse({ type: HealthDto, description: 'The process is up' })
  healthz(): HealthDto {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOkResponse({ type: ReadyDto, description: 'The database answers and migrations have run' })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto })
  async readyz(): Promise<ReadyDto> {
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw new UnavailableError(
        CommonErrorCodes.databaseUnavailable,
        'The database does not answer',
      );
    }
    return { status: 'ok', checks: { database: 'ok' } };
  }
}

@Module({ controllers: [HealthController] })
export class HealthModule {}
