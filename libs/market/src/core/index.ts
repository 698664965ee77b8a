export { OrderBook } from './order-book';
export * from './order-book.types';
export * from './time-blocks';
export * from './instance-types';
export * from './order-spec';
export * from './order-states';
