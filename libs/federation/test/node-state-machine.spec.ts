import type { NodeDrain } from '../src/entities/node.entity';
import { assertTransition, canTransition, NODE_DRAIN_TRANSITIONS } from '../src/node-state-machine';

const DRAIN_STATES: NodeDrain[] = ['none', 'draining', 'drained', 'terminated'];

describe('the node drain state machine', () => {
  it('lists every drain state', () => {
    expect(Object.keys(NODE_DRAIN_TRANSITIONS).sort()).toEqual([...DRAIN_STATES].sort());
  });

  it('drains in order: none -> draining -> drained, never straight to drained', () => {
    expect(canTransition('none', 'draining')).toBe(true);
    expect(canTransition('draining', 'drained')).toBe(true);
    expect(canTransition('none', 'drained')).toBe(false);
  });

  it('puts a draining or drained node back into service on uncordon', () => {
    expect(canTransition('draining', 'none')).toBe(true);
    expect(canTransition('drained', 'none')).toBe(true);
  });

  it('keeps terminated final and reachable from everywhere else', () => {
    for (const s of DRAIN_STATES) {
      expect(canTransition(s, 'terminated')).toBe(true);
      if (s !== 'terminated') expect(canTransition('terminated', s)).toBe(false);
    }
    expect(() => assertTransition('terminated', 'none')).toThrow(
      expect.objectContaining({ code: 'federation.node_terminated', kind: 'conflict' }),
    );
  });
});
