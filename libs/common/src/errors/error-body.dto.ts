import { ApiProperty } from '@nestjs/swagger';

export class ErrorPayloadDto {
  @ApiProperty({
    example: 'request.invalid',
    description: 'Stable machine-readable code, `context.reason`',
  })
  code!: string;

  @ApiProperty({ example: 'name must be a string' })
  message!: string;

  @ApiProperty({ required: false, nullable: true, type: Object, additionalProperties: true })
  details?: unknown;
}

/** The one error shape of every 4xx and 5xx answer. */
export class ErrorBodyDto {
  @ApiProperty({ type: ErrorPayloadDto })
  error!: ErrorPayloadDto;
}
