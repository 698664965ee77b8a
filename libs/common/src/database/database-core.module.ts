import { Global, Module } from '@nestjs/common';
import { ClusterBus } from '../bus/cluster-bus';
import { LeaderLock } from '../leader/leader-lock';

/** Cross-instance primitives built on the database: leader lock and notifications. */
@Global()
@Module({ providers: [ClusterBus, LeaderLock], exports: [ClusterBus, LeaderLock] })
export class DatabaseCoreModule {}
