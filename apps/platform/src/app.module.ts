import { DynamicModule, Module } from '@nestjs/common';
import {
  Clock,
  ClockModule,
  ConfigModule,
  DatabaseCoreModule,
  DatabaseModule,
  DatabaseOptions,
  HealthModule,
  loggingModule,
  MetricsModule,
  NanopodConfig,
} from '@nanopod/common';
import { IdentityModule } from '@nanopod/identity';
import { PolicyModule } from '@nanopod/policy';
import { ReputationModule } from '@nanopod/reputation';
import { BillingModule } from '@nanopod/billing';
import { FederationModule } from '@nanopod/federation';
import { MarketModule } from '@nanopod/market';
import { ComputeModule } from '@nanopod/compute';
import { ServingModule } from '@nanopod/serving';
import { SandboxModule } from '@nanopod/sandbox';
import { GatewayModule } from '@nanopod/gateway';
import { platformMigrations } from './migrations';
import { GatewayServicesBinding } from './gateway-services.binding';
import { PolicyInputsBinding } from './policy-inputs.binding';

export interface AppModuleOptions {
  config: NanopodConfig;
  database: Omit<DatabaseOptions, 'migrations'>;
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options.config),
        ClockModule.forRoot(options.clock),
        loggingModule(options.config),
        DatabaseModule.forRoot({ ...options.database, migrations: platformMigrations }),
        DatabaseCoreModule,
        MetricsModule,
        HealthModule,
        IdentityModule,
        PolicyModule,
        ReputationModule,
        BillingModule,
        FederationModule,
        MarketModule,
        ComputeModule,
        SandboxModule,
        GatewayModule,
        ServingModule,
      ],
      providers: [PolicyInputsBinding, GatewayServicesBinding],
    };
  }
}
