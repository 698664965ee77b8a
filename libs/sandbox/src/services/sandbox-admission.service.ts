import { Injectable } from '@nestjs/common';
import { ConflictError } from '@nanopod/common';
import { BalanceService, MICRO_PER_CREDIT } from '@nanopod/billing';
import { QuotasService, type UserQuota } from '@nanopod/identity';
import type { SandboxEntity } from '../entities/sandbox.entity';
import type { SandboxTx } from '../repositories/sandboxes.repository';
import { SandboxErrorCodes } from '../sandbox.errors';

const credits = (micro: number) => micro / MICRO_PER_CREDIT;

/**
 * Whether one user may start one more sandbox: within their quota (count, CPU, memory, GPUs of
 * their active sandboxes) and their money (what their active sandboxes still hold plus this
 * one's reservation within what the wallet can spend). Runs inside the transaction that inserts
 * the sandbox, after locking the wallet row: concurrent creates by one user are admitted one at
 * a time, each seeing what the previous one committed. Lock order is wallet, then node
 * (placement), the same on every path, so creates cannot deadlock. The quota itself comes from
 * the quota cache (evicted on change on every instance): no round trip on the create path.
 */
@Injectable()
export class SandboxAdmission {
  constructor(
    private readonly quotas: QuotasService,
    private readonly balances: BalanceService,
  ) {}

  /**
   * The owner's quota, read before the reserving transaction opens (on the embedded default a
   * read outside the transaction would wait for the one connection that transaction holds).
   */
  quotaOf(ownerId: string): Promise<UserQuota> {
    return this.quotas.forUser(ownerId);
  }

  async admit(tx: SandboxTx, sb: SandboxEntity, quota: UserQuota): Promise<void> {
    const available = await this.balances.lockAvailableMicro(tx.manager, sb.ownerId);
    const use = await tx.useOfOwner(sb.ownerId);
    const limits = quota.limits;
    const over: string[] = [];
    if (use.sandboxes + 1 > limits.sandboxes) over.push('sandboxes');
    if (use.cpu + sb.cpu > limits.cpu) over.push('cpu');
    if (use.memoryMb + sb.memoryMb > limits.memoryMb) over.push('memory_mb');
    if (use.gpus + sb.gpus > limits.gpus) over.push('gpus');
    if (over.length > 0) {
      throw new ConflictError(
        SandboxErrorCodes.quotaExceeded,
        `This sandbox would pass your quota (${over.join(', ')})`,
        {
          exceeded: over,
          quota: {
            max_sandboxes: limits.sandboxes,
            max_cpu: limits.cpu,
            max_memory_mb: limits.memoryMb,
            max_gpus: limits.gpus,
          },
          in_use: {
            sandboxes: use.sandboxes,
            cpu: use.cpu,
            memory_mb: use.memoryMb,
            gpus: use.gpus,
          },
        },
      );
    }
    if (sb.reservedMicro > 0 && use.heldMicro + sb.reservedMicro > available) {
      throw new ConflictError(
        SandboxErrorCodes.insufficientFunds,
        'Your balance does not cover the estimated cost of this sandbox and your running ones',
        {
          estimated_cost: credits(sb.reservedMicro),
          held_by_active_sandboxes: credits(use.heldMicro),
          available: credits(available),
        },
      );
    }
  }
}
