import { DynamicModule, Global, Module } from '@nestjs/common';
import { NANOPOD_CONFIG, NanopodConfig } from './nanopod-config';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: NanopodConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: NANOPOD_CONFIG, useValue: config }],
      exports: [NANOPOD_CONFIG],
    };
  }
}
