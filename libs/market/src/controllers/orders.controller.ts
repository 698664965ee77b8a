import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { Authenticated, CurrentPrincipal, Principal } from '@nanopod/identity';
import {
  CreateOrderDto,
  ListOrdersQuery,
  OrderDto,
  OrderIdParams,
  OrderListDto,
} from '../dto/order.dto';
import { MarketService } from '../services/market.service';
import { actorOf } from './subject';

@ApiTags('market')
@Controller('v1/orders')
export class OrdersController {
  constructor(private readonly market: MarketService) {}

  @Post()
  @Authenticated('write')
  @ApiOperation({
    summary: 'Place a buy or sell order',
    description:
      'Checked (422 market.invalid_order with the field: duration under an hour, start in the past, ' +
      'negative price, unknown instance type), decided by the subsidy policy for buys (403 market.policy_denied ' +
      'with reasons), then matched with price-time priority over hour blocks.',
  })
  @ApiCreatedResponse({ type: OrderDto })
  @ApiErrors(400, 422)
  async create(@CurrentPrincipal() p: Principal, @Body() body: CreateOrderDto): Promise<OrderDto> {
    const order = await this.market.place(actorOf(p), {
      side: body.side,
      zone: body.zone,
      instanceType: body.instance_type,
      nodes: body.nodes,
      start: body.start ?? 'now',
      duration: body.duration,
      priceCents: body.price,
      ioc: body.flags?.ioc,
      postOnly: body.flags?.post_only,
      partnerId: body.partner_id ?? null,
      capacityId: body.capacity_id ?? null,
    });
    return OrderDto.from(order);
  }

  @Get()
  @Authenticated('read')
  @ApiOperation({ summary: 'Your orders, newest first' })
  @ApiOkResponse({ type: OrderListDto })
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListOrdersQuery): Promise<OrderListDto> {
    const orders = await this.market.list(actorOf(p), { status: q.status, limit: q.limit });
    return { object: 'list', data: orders.map((o) => OrderDto.from(o)) };
  }

  @Get(':id')
  @Authenticated('read')
  @ApiOperation({ summary: 'One of your orders (anyone else’s is a 404)' })
  @ApiOkResponse({ type: OrderDto })
  @ApiErrors(404)
  async get(@CurrentPrincipal() p: Principal, @Param() params: OrderIdParams): Promise<OrderDto> {
    return OrderDto.from(await this.market.get(actorOf(p), params.id));
  }

  @Delete(':id')
  @Authenticated('write')
  @ApiOperation({ summary: 'Cancel an open order (what traded stays traded)' })
  @ApiOkResponse({ type: OrderDto })
  @ApiErrors(404, 409)
  async cancel(
    @CurrentPrincipal() p: Principal,
    @Param() params: OrderIdParams,
  ): Promise<OrderDto> {
    return OrderDto.from(await this.market.cancel(actorOf(p), params.id));
  }
}
