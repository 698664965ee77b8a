import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class LoginQueryDto {
  @ApiPropertyOptional({
    description: 'Path on this site to return to after sign-in',
    example: '/',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  return_to?: string;
}

/** The authorization response (RFC 6749 4.1.2) plus Keycloak's extra parameters. */
export class CallbackQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4096) code?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1024) state?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1024) session_state?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2048) iss?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) error?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2048) error_description?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2048) error_uri?: string;
}

export class AuthConfigDto {
  @ApiProperty({
    example: 'http://localhost:8080/realms/nanopod',
    description: 'The realm (OIDC issuer)',
  })
  issuer!: string;
  @ApiProperty({
    example: 'nanopod-cli',
    description: 'Public client for the CLI (PKCE, device flow)',
  })
  cli_client_id!: string;
  @ApiProperty({ example: 'nanopod-platform', description: 'Audience access tokens must carry' })
  audience!: string;
  @ApiProperty({ example: 'openid profile email' })
  scope!: string;
  @ApiProperty({ description: 'True when the built-in development issuer serves the realm' })
  builtin_issuer!: boolean;
}
