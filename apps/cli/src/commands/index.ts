import type { Command } from 'commander';
import { registerPolicyCommands } from './policies';
import { registerAuthCommands } from './auth';
import { registerApiKeyCommands } from './api-keys';
import { registerBillingCommands } from './billing';
import { registerNodeCommands } from './nodes';
import { registerPartnerCommands } from './partners';
import { registerRunCommand } from './run';
import { registerSandboxCommands } from './sandboxes';
import { registerGrantCommands } from './grants';
import { registerReputationCommands } from './reputation';
import { registerUserCommands } from './users';
import { registerZoneCommands } from './zones';
import { registerCapacityCommands } from './capacities';
import { registerNodeTemplateCommands } from './node-templates';
import { registerDeploymentCommands } from './deployments';
import { registerProcurementCommands } from './procurements';
import { registerOrderCommands } from './orders';
import { registerMarketCommands } from './market';
import { registerGatewayCommands } from './gateway';
import { registerServeCommands } from './serve';

/** Each command group registers its verbs on the program. Add yours to this list. */
export type RegisterCommands = (program: Command) => void;

export const commandGroups: RegisterCommands[] = [
  registerAuthCommands,
  registerApiKeyCommands,
  registerPolicyCommands,
  registerBillingCommands,
  registerNodeCommands,
  registerPartnerCommands,
  registerSandboxCommands,
  registerRunCommand,
  registerGrantCommands,
  registerReputationCommands,
  registerUserCommands,
  registerZoneCommands,
  registerCapacityCommands,
  registerNodeTemplateCommands,
  registerDeploymentCommands,
  registerProcurementCommands,
  registerOrderCommands,
  registerMarketCommands,
  registerGatewayCommands,
  registerServeCommands,
];
