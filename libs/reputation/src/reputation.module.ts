import { Module } from '@nestjs/common';
import { IdentityModule } from '@nanopod/identity';
import { AllowListController } from './allow-list/allow-list.controller';
import { AllowListRepository } from './allow-list/allow-list.repository';
import { AllowListService } from './allow-list/allow-list.service';
import { GitHubAnalyticsService } from './github/github-analytics.service';
import { GitHubClient } from './github/github-client';
import {
  GrantApplicationsController,
  MyGrantsController,
} from './grants/grant-applications.controller';
import { GrantProgramsController } from './grants/grant-programs.controller';
import { GrantsRepository } from './grants/grants.repository';
import { GrantsService } from './grants/grants.service';
import { HttpCacheRepository } from './http/http-cache.repository';
import { PassportClient } from './passport/passport-client';
import { PassportScoresRepository } from './passport/passport-scores.repository';
import { ReputationPolicyInputs } from './reputation-policy-inputs';
import { ReputationRefresher } from './score/reputation-refresher.service';
import { ReputationController } from './score/reputation.controller';
import { ReputationRepository } from './score/reputation.repository';
import { ReputationService } from './score/reputation.service';
import { WalletController } from './wallet/wallet.controller';
import { WalletRepository } from './wallet/wallet.repository';
import { WalletService } from './wallet/wallet.service';

/**
 * Reputation (GitHub analytics, SIWE wallet proof, Gitcoin Passport, the combined score) and
 * subsidy grants. Contexts above import it to read scores and active grants through its
 * services; the app registers the decision's `reputation` and `grants` parts (ReputationPolicyInputs).
 */
@Module({
  imports: [IdentityModule],
  controllers: [
    ReputationController,
    WalletController,
    AllowListController,
    GrantProgramsController,
    GrantApplicationsController,
    MyGrantsController,
  ],
  providers: [
    HttpCacheRepository,
    GitHubClient,
    AllowListRepository,
    AllowListService,
    GitHubAnalyticsService,
    PassportScoresRepository,
    PassportClient,
    WalletRepository,
    WalletService,
    ReputationRepository,
    ReputationService,
    ReputationRefresher,
    GrantsRepository,
    GrantsService,
    ReputationPolicyInputs,
  ],
  exports: [ReputationService, GrantsService, WalletService, ReputationPolicyInputs],
})
export class ReputationModule {}
