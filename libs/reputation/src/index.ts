export { ReputationModule } from './reputation.module';
export { ReputationService } from './score/reputation.service';
export { GrantsService } from './grants/grants.service';
export { WalletService } from './wallet/wallet.service';
export { ReputationErrorCodes } from './reputation.errors';
export { SCORE_WEIGHTS } from './score/scoring';
export type { Reputation, ReputationPart, ReputationStatus, PartStatus } from './score/scoring';
export type { Grant, GrantProgram, GrantApplication } from './grants/grants.types';
export { reputationInput, ReputationPolicyInputs } from './reputation-policy-inputs';

import { ReputationInit1764500000000 } from './migrations/1764500000000-reputation-init';
/** This context's migrations, in order. */
export const reputationMigrations = [ReputationInit1764500000000];
