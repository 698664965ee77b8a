import { Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CredentialsGuard, RequirementGuard } from './auth/auth.guard';
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

/** Global: the libs above identity (reputation, policy, billing, ...) inject its services. */
@Global()
@Module({
  imports: [PassportModule, TypeOrmModule.forFeature([UserEntity, SessionEntity, ApiKeyEntity])],
  controllers: [MeController, ApiKeysController, AuthController, AdminUsersController],
  providers: [
    NewUserHooks,
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
    RequirementGuard,
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
    RequirementGuard,
  ],
})
export class IdentityModule {}
