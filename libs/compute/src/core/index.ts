export { placeNode, PlacementAsk, PlacementNode } from './placement';
