import { DynamicModule, Global, Module } from '@nestjs/common';
import { SecretBox, secretBoxFor } from '../secrets/secret-box';
import { PlatformLifecycle } from '../lifecycle/platform-lifecycle';
import { NANOPOD_CONFIG, NanopodConfig } from './nanopod-config';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: NanopodConfig): DynamicModule {
    return {
      module: ConfigModule,
      // The process's lifecycle travels with its configuration: both exist once per process.
      providers: [
        { provide: NANOPOD_CONFIG, useValue: config },
        { provide: SecretBox, useFactory: () => secretBoxFor(config) },
        PlatformLifecycle,
      ],
      exports: [NANOPOD_CONFIG, SecretBox, PlatformLifecycle],
    };
  }
}
