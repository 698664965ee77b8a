import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BillingModule } from '@nanopod/billing';
import { FederationModule } from '@nanopod/federation';
import { IdentityModule } from '@nanopod/identity';
import { PolicyModule } from '@nanopod/policy';
import { SandboxesController } from './controllers/sandboxes.controller';
import { SandboxEntity } from './entities/sandbox.entity';
import { SandboxesRepository } from './repositories/sandboxes.repository';
import { SandboxExecService } from './services/sandbox-exec.service';
import { SandboxFilesService } from './services/sandbox-files.service';
import { SandboxLifecycle } from './services/sandbox-lifecycle.service';
import { SandboxAdmission } from './services/sandbox-admission.service';
import { SandboxEnv } from './services/sandbox-env.service';
import { SandboxPlacement } from './services/sandbox-placement.service';
import { SandboxTransitions } from './services/sandbox-transitions.service';
import { SandboxesService } from './services/sandboxes.service';
import { SandboxRawBodyRegistrar } from './http/raw-body.registrar';

/**
 * The sandbox lifecycle API. Needs FederationModule (nodes and agent channels), the policy's
 * SubsidyDecider and billing's UsageRecorder, each imported.
 */
@Module({
  imports: [
    IdentityModule,
    PolicyModule,
    BillingModule,
    FederationModule,
    TypeOrmModule.forFeature([SandboxEntity]),
  ],
  controllers: [SandboxesController],
  providers: [
    SandboxesRepository,
    SandboxesService,
    SandboxExecService,
    SandboxFilesService,
    SandboxPlacement,
    SandboxAdmission,
    SandboxEnv,
    SandboxTransitions,
    SandboxLifecycle,
    SandboxRawBodyRegistrar,
  ],
  exports: [SandboxesService, SandboxExecService],
})
export class SandboxModule {}
