import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

const MAX_SOURCE = 256 * 1024;
const NAME = /^[a-z][a-z0-9_]{0,62}$/;
/** Versions are a PostgreSQL `integer`: a larger number would fail in the database as a 500. */
const MAX_VERSION = 2 ** 31 - 1;

export class PolicyNameParams {
  @ApiProperty({ example: 'subsidy' })
  @Matches(NAME, { message: 'name must be a policy name such as subsidy' })
  name!: string;
}

export class PolicyVersionParams extends PolicyNameParams {
  @ApiProperty({ example: 2, minimum: 1, maximum: MAX_VERSION })
  @Type(() => Number)
  @IsInt({ message: 'version must be a whole number' })
  @Min(1)
  @Max(MAX_VERSION)
  version!: number;
}

export class CreatePolicyVersionDto {
  @ApiProperty({ description: 'The Rego module (must keep the policy package)' })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_SOURCE)
  source!: string;

  @ApiPropertyOptional({
    description: "The version's *_test.rego module; omitted: the active version's tests",
    nullable: true,
    type: String,
  })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MaxLength(MAX_SOURCE)
  tests?: string | null;

  @ApiPropertyOptional({ example: 'raise the passport rate to 0.6', maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  message?: string;
}

export class ValidatePolicyDto {
  @ApiProperty()
  @IsString()
  @MaxLength(MAX_SOURCE)
  source!: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MaxLength(MAX_SOURCE)
  tests?: string | null;
}

class ActivationMessageDto {
  @ApiPropertyOptional({ example: 'reviewed by ops', maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  message?: string;
}

export class ActivatePolicyDto extends ActivationMessageDto {
  @ApiPropertyOptional({
    description:
      "Activate even though the version's own tests fail (409 policy.tests_failing otherwise)",
  })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class RollbackPolicyDto extends ActivationMessageDto {
  @ApiProperty({
    example: 1,
    minimum: 1,
    maximum: MAX_VERSION,
    description: 'An earlier, once active version',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_VERSION)
  version!: number;
}

export class DryRunDto {
  @ApiPropertyOptional({ example: 100, minimum: 1, maximum: 10000, default: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit?: number;
}

export class LimitQuery {
  @ApiPropertyOptional({ example: 50, minimum: 1, maximum: 1000, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class DecideDto {
  @ApiProperty({
    description: 'The policy input as the platform builds it (subject, request, reputation, ...)',
    type: Object,
  })
  @IsObject()
  input!: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'subsidy', description: 'With version: the policy to replace' })
  @IsOptional()
  @Matches(NAME)
  policy?: string;

  @ApiPropertyOptional({
    example: 3,
    minimum: 1,
    maximum: MAX_VERSION,
    description: 'Evaluate with this version instead of the active one',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_VERSION)
  version?: number;
}
