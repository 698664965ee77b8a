import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PriceList } from '../usage/price-list';
import type { UsageMetric } from '../usage/usage-recorder';

export interface PriceView {
  metric: string;
  gpu_type: string;
  unit_price_credits: number;
}

@Injectable()
export class PricesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly prices: PriceList,
  ) {}

  async list(): Promise<PriceView[]> {
    const list = await this.prices.list(this.dataSource.manager);
    return list.map((p) => ({
      metric: p.metric,
      gpu_type: p.gpuType,
      unit_price_credits: p.unitPriceCredits,
    }));
  }

  async set(metric: UsageMetric, gpuType: string, unitPriceCredits: number): Promise<PriceView[]> {
    await this.prices.set(this.dataSource.manager, { metric, gpuType, unitPriceCredits });
    return this.list();
  }
}
