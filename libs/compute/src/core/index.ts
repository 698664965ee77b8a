export { placeNode } from './placement';
export type { PlacementAsk, PlacementNode, PlacementVerdictOf, Placed } from './placement';
export * from './node-states';
export * from './cloud-init';
export * from './procurement-plan';
