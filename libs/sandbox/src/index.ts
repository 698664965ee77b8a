export { SandboxModule } from './sandbox.module';
export { SandboxErrorCodes } from './sandbox.errors';
export { SandboxesService, CreateSandboxInput } from './services/sandboxes.service';
export { SandboxState, SANDBOX_STATES } from './entities/sandbox.entity';
export type { SandboxEntity, SandboxPurpose } from './entities/sandbox.entity';
export { SandboxExecService, ExecSink, ExecResult } from './services/sandbox-exec.service';
export { SandboxDto } from './dto/sandbox.dto';
/** Seals env values at rest; `onModuleInit` seals rows written before encryption existed. */
export { SandboxEnv } from './services/sandbox-env.service';

import { SandboxInit1764400000000 } from './migrations/1764400000000-sandbox-init';
import { SandboxReservations1764400000500 } from './migrations/1764400000500-sandbox-reservations';
import { SandboxPorts1764400000700 } from './migrations/1764400000700-sandbox-ports';
import { SandboxNames1764400000800 } from './migrations/1764400000800-sandbox-names';
/** This context's migrations, in order. */
export const sandboxMigrations = [
  SandboxInit1764400000000,
  SandboxReservations1764400000500,
  SandboxPorts1764400000700,
  SandboxNames1764400000800,
];
