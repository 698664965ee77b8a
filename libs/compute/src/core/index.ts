export { placeNode, PlacementAsk, PlacementNode } from './placement';
export * from './node-states';
export * from './cloud-init';
export * from './procurement-plan';
