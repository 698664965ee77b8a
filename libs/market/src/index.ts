export * from './core';
export { MarketModule } from './market.module';
export { MarketErrorCodes, InvalidOrderError } from './market.errors';
export { MarketService, MarketActor, PlaceOrderInput } from './services/market.service';
export { MarketEvents, SpotPriceEvent } from './services/market-events';
export { MarketQueriesService } from './services/market-queries.service';
export { MARKET_FEE_RATE, priceFills } from './services/settlement.service';
export type {
  MarketOrderEntity as MarketOrder,
  OrderSubsidy,
} from './entities/market-order.entity';
export { OrderDto, OrderListDto, CreateOrderDto } from './dto/order.dto';
export { SpotPriceDto, DepthDto } from './dto/market.dto';

import { MarketInit1796290000000 } from './migrations/1796290000000-market-init';
/** This context's migrations, in order. */
export const marketMigrations = [MarketInit1796290000000];
