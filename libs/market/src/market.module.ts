import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseCoreModule } from '@nanopod/common';
import { BillingModule } from '@nanopod/billing';
import { PolicyModule } from '@nanopod/policy';
import { MarketController } from './controllers/market.controller';
import { OrdersController } from './controllers/orders.controller';
import { MarketFillEntity } from './entities/market-fill.entity';
import { MarketOrderEntity } from './entities/market-order.entity';
import { MarketPriceEntity } from './entities/market-price.entity';
import { MarketRepository } from './repositories/market.repository';
import { BookCache } from './services/book-cache';
import { MarketEvents } from './services/market-events';
import { MarketExpiryReconciler } from './services/market-expiry.reconciler';
import { MarketQueriesService } from './services/market-queries.service';
import { MarketService } from './services/market.service';
import { SettlementService } from './services/settlement.service';

/**
 * The spot market: order books per (zone, instance type), orders, fills settled to billing's
 * ledger, spot price history. Uses policy (subsidy decision per buy) and billing (ledger);
 * knows nothing of compute: capacities are opaque ids on orders.
 */
@Module({
  imports: [
    DatabaseCoreModule,
    PolicyModule,
    BillingModule,
    TypeOrmModule.forFeature([MarketOrderEntity, MarketFillEntity, MarketPriceEntity]),
  ],
  controllers: [OrdersController, MarketController],
  providers: [
    MarketRepository,
    BookCache,
    SettlementService,
    MarketEvents,
    MarketService,
    MarketQueriesService,
    MarketExpiryReconciler,
  ],
  exports: [MarketService, MarketEvents, MarketQueriesService],
})
export class MarketModule {}
