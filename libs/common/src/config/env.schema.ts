import { Transform } from 'class-transformer';
import {
  IsBooleanString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

/**
 * Every environment variable the platform reads, validated once at start. Defaults make
 * `npm start` work with nothing set.
 */
export class EnvSchema {
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'PORT must be an integer between 0 and 65535' })
  @Min(0, { message: 'PORT must be an integer between 0 and 65535' })
  @Max(65535, { message: 'PORT must be an integer between 0 and 65535' })
  PORT?: number;

  @IsOptional()
  @IsString()
  HOST?: string;

  @IsOptional()
  @IsIn(['development', 'production', 'test'], {
    message: 'NANOPOD_ENV must be development, production or test',
  })
  NANOPOD_ENV?: 'development' | 'production' | 'test';

  @IsOptional()
  @IsString()
  @MinLength(1)
  NANOPOD_DATA_DIR?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, {
    message: 'DATABASE_URL must be a postgres:// or postgresql:// URL',
  })
  DATABASE_URL?: string;

  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    {
      message: 'NANOPOD_PUBLIC_URL must be an http(s) URL such as http://localhost:8080',
    },
  )
  NANOPOD_PUBLIC_URL?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*$/, {
    message: 'NANOPOD_ADMIN_GITHUB_LOGINS must be a comma-separated list of GitHub logins',
  })
  NANOPOD_ADMIN_GITHUB_LOGINS?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  NANOPOD_BOOTSTRAP_KEY_FILE?: string;

  @IsOptional()
  @IsIn(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], {
    message: 'NANOPOD_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent',
  })
  NANOPOD_LOG_LEVEL?: string;

  /** External OIDC issuer (a Keycloak realm URL). Unset: the built-in issuer. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    {
      message:
        'NANOPOD_OIDC_ISSUER must be the realm URL, e.g. https://keycloak.example.com/realms/nanopod',
    },
  )
  NANOPOD_OIDC_ISSUER?: string;

  @IsOptional()
  @IsString()
  NANOPOD_OIDC_CLIENT_ID?: string;

  @ValidateIf((env: EnvSchema) => !!env.NANOPOD_OIDC_ISSUER)
  @IsString({ message: 'NANOPOD_OIDC_CLIENT_SECRET is required when NANOPOD_OIDC_ISSUER is set' })
  @MinLength(1, {
    message: 'NANOPOD_OIDC_CLIENT_SECRET is required when NANOPOD_OIDC_ISSUER is set',
  })
  NANOPOD_OIDC_CLIENT_SECRET?: string;

  @IsOptional()
  @IsString()
  NANOPOD_OIDC_AUDIENCE?: string;

  @IsOptional()
  @IsString()
  NANOPOD_OIDC_CLI_CLIENT_ID?: string;

  /** The built-in issuer runs by default in development and only when this is "true" in production. */
  @IsOptional()
  @IsBooleanString({ message: 'NANOPOD_BUILTIN_ISSUER must be true or false' })
  NANOPOD_BUILTIN_ISSUER?: string;

  @IsOptional()
  @IsBooleanString({ message: 'NANOPOD_LOCAL_NODE_AGENT must be true or false' })
  NANOPOD_LOCAL_NODE_AGENT?: string;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'NANOPOD_SESSION_TTL_HOURS must be a whole number of hours' })
  @Min(1, { message: 'NANOPOD_SESSION_TTL_HOURS must be at least 1' })
  NANOPOD_SESSION_TTL_HOURS?: number;

  @IsOptional()
  @IsString()
  NANOPOD_POLICIES_DIR?: string;
}
