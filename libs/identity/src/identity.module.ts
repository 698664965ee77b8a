import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CredentialsGuard } from './auth/auth.guard';
import { ApiKeyStrategy } from './auth/strategies/api-key.strategy';
import { JwtStrategy } from './auth/strategies/jwt.strategy';
import { SessionStrategy } from './auth/strategies/session.strategy';
import { AdminUsersController } from './controllers/admin-users.controller';
import { ApiKeysController } from './controllers/api-keys.controller';
import { AuthController } from './controllers/auth.controller';
import { BuiltinIssuerService } from './builtin-issuer/builtin-issuer.service';
import { MeController } from './controllers/me.controller';
import { ApiKeyEntity } from './entities/api-key.entity';
import { SessionEntity } from './entities/session.entity';
import { UserEntity } from './entities/user.entity';
import { AccessTokenVerifier } from './oidc/access-token-verifier.service';
import { OidcDiscoveryService } from './oidc/oidc-discovery.service';
import { ApiKeysService } from './services/api-keys.service';
import { BootstrapAdminService } from './services/bootstrap-admin.service';
import { LoginFlowService } from './services/login-flow.service';
import { NewUserHooks } from './services/new-user-hooks';
import { SessionsService } from './services/sessions.service';
import { UsersService } from './services/users.service';
import { QuotasService } from './services/quotas.service';
import { UserQuotasRepository } from './repositories/user-quotas.repository';
import { ApiKeysRepository } from './repositories/api-keys.repository';
import { SessionsRepository } from './repositories/sessions.repository';
import { UsersRepository } from './repositories/users.repository';

/**
 * Users, sessions, API keys and the auth guards. Every context with authenticated routes imports
 * this module (its guards resolve SessionsService, ApiKeysService and the token verifier here).
 */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, SessionEntity, ApiKeyEntity])],
  controllers: [MeController, ApiKeysController, AuthController, AdminUsersController],
  providers: [
    NewUserHooks,
    UsersRepository,
    SessionsRepository,
    ApiKeysRepository,
    UsersService,
    QuotasService,
    UserQuotasRepository,
    SessionsService,
    ApiKeysService,
    BootstrapAdminService,
    LoginFlowService,
    BuiltinIssuerService,
    OidcDiscoveryService,
    AccessTokenVerifier,
    ApiKeyStrategy,
    JwtStrategy,
    SessionStrategy,
    CredentialsGuard,
  ],
  exports: [
    NewUserHooks,
    BuiltinIssuerService,
    UsersService,
    QuotasService,
    SessionsService,
    ApiKeysService,
    OidcDiscoveryService,
    AccessTokenVerifier,
    CredentialsGuard,
  ],
})
export class IdentityModule {}
