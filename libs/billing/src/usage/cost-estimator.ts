import { Injectable } from '@nestjs/common';
import { ValidationError } from '@nanopod/common';
import { DataSource, EntityManager } from 'typeorm';
import { PriceList } from './price-list';
import { BillingErrorCodes } from '../billing.errors';

/** What a compute request will use at most, as the policy's `request` describes it. */
export interface CostEstimateRequest {
  kind: 'sandbox';
  /** Upper bound of the run time (e.g. the sandbox's TTL), seconds. */
  seconds: number;
  gpus?: number;
  gpu_type?: string | null;
}

/**
 * The full list price (credits = cents, before subsidy) of a compute request, from the current
 * price list: `sandbox_seconds` x seconds + `gpu_seconds` (for the GPU type, else the metric's
 * default) x seconds x gpus. This is the policy input's `request.estimated_cost`; the subsidy
 * policy compares `balance.available` with it times the rate multiplier.
 *
 * ```ts
 * const estimated_cost = await costs.estimate({ kind: 'sandbox', seconds: ttl, gpus: 1, gpu_type: 'h100' });
 * ```
 */
@Injectable()
export class CostEstimator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly prices: PriceList,
  ) {}

  /**
   * Credits, rounded up to 6 decimals (one micro-credit). Pass `manager` when calling inside a
   * transaction (on the embedded database the pool has a single connection).
   */
  async estimate(request: CostEstimateRequest, manager?: EntityManager): Promise<number> {
    const seconds = request.seconds;
    const gpus = request.gpus ?? 0;
    if (request.kind !== 'sandbox') {
      throw new ValidationError(
        BillingErrorCodes.estimateUnsupported,
        'Only sandbox costs can be estimated',
        {
          kind: request.kind,
        },
      );
    }
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new ValidationError(BillingErrorCodes.invalidEstimate, 'seconds must be a number >= 0');
    }
    if (!Number.isFinite(gpus) || gpus < 0) {
      throw new ValidationError(BillingErrorCodes.invalidEstimate, 'gpus must be a number >= 0');
    }
    const prices = await this.prices.prices(manager ?? this.dataSource.manager);
    const sandbox = PriceList.unitPrice(prices, 'sandbox_seconds') * seconds;
    const gpu =
      gpus > 0 ? PriceList.unitPrice(prices, 'gpu_seconds', request.gpu_type) * seconds * gpus : 0;
    return Math.ceil((sandbox + gpu) * 1e6 - 1e-6) / 1e6;
  }
}
