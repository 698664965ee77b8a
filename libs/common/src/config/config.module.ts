import { DynamicModule, Global, Module } from '@nestjs/common';
import { SecretBox, secretBoxFor } from '../secrets/secret-box';
import { NANOPOD_CONFIG, NanopodConfig } from './nanopod-config';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: NanopodConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: NANOPOD_CONFIG, useValue: config },
        { provide: SecretBox, useFactory: () => secretBoxFor(config) },
      ],
      exports: [NANOPOD_CONFIG, SecretBox],
    };
  }
}
