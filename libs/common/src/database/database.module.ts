import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { MixedList } from 'typeorm';

export interface DatabaseOptions {
  url: string;
  /** 'pglite' when the URL points at the embedded PGlite socket. */
  kind: 'postgres' | 'pglite';
  poolSize: number;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: options.url,
          autoLoadEntities: true,
          synchronize: false,
          migrationsRun: true,
          migrationsTransactionMode: 'each',
          migrations: options.migrations,
          logging: false,
          extra: { max: options.poolSize, connectionTimeoutMillis: 30000 },
        }),
      ],
      providers: [{ provide: DATABASE_OPTIONS, useValue: options }],
      exports: [DATABASE_OPTIONS],
    };
  }
}
