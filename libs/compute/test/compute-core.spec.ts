import {
  canMove,
  checkCloudInit,
  CLOUD_INIT_MAX_BYTES,
  NODE_TRANSITIONS,
  pickExcess,
  planProcurement,
  placeNode,
  PlacementNode,
} from '@nanopod/compute';
import { canMoveOrder, ORDER_TRANSITIONS } from '@nanopod/market';

describe('compute core', () => {
  it('accepts #cloud-config mappings and #! scripts, and says what is wrong otherwise', () => {
    expect(checkCloudInit('#cloud-config\npackages: [curl]\n')).toEqual({ kind: 'cloud-config' });
    expect(checkCloudInit('#cloud-config\n')).toEqual({ kind: 'cloud-config' });
    expect(checkCloudInit('#!/bin/bash\necho hi')).toEqual({ kind: 'script' });
    expect(checkCloudInit('#cloud-config\nfoo: [bar\n')).toEqual({
      problem: expect.stringMatching(/not valid YAML at line \d+/),
    });
    expect(checkCloudInit('#cloud-config\n- a\n')).toEqual({
      problem: '#cloud-config must be a YAML mapping',
    });
    expect(checkCloudInit('#! not-a-path')).toHaveProperty('problem');
    expect(checkCloudInit('apt-get install x')).toHaveProperty('problem');
    expect(checkCloudInit('#!/bin/sh\n' + 'x'.repeat(CLOUD_INIT_MAX_BYTES))).toEqual({
      problem: `must be at most ${CLOUD_INIT_MAX_BYTES} bytes`,
    });
  });

  it('releases idle nodes first, newest first within a state', () => {
    const at = new Date(0);
    const nodes = [
      { id: 'r1', state: 'running' as const, createdAt: at, seq: 1 },
      { id: 'r2', state: 'running' as const, createdAt: at, seq: 2 },
      { id: 'p3', state: 'pending' as const, createdAt: at, seq: 3 },
      { id: 'a4', state: 'awaiting_allocation' as const, createdAt: at, seq: 4 },
      { id: 'a5', state: 'awaiting_allocation' as const, createdAt: at, seq: 5 },
    ];
    expect(pickExcess(nodes, 4).map((n) => n.id)).toEqual(['a5', 'a4', 'p3', 'r2']);
    expect(pickExcess(nodes, 0)).toEqual([]);
  });

  it('allows only the transitions in the tables', () => {
    expect(canMove('awaiting_allocation', 'pending')).toBe(true);
    expect(canMove('awaiting_allocation', 'running')).toBe(false);
    expect(canMove('running', 'preempted')).toBe(true);
    for (const final of ['released', 'failed', 'terminated', 'preempted'] as const) {
      expect(NODE_TRANSITIONS[final]).toEqual([]);
    }
    expect(canMoveOrder('open', 'cancelled')).toBe(true);
    expect(canMoveOrder('filled', 'cancelled')).toBe(false);
    expect(ORDER_TRANSITIONS.rejected).toEqual([]);
  });

  it('plans buys for gaps and sells for surplus after the current block, one order per run', () => {
    expect(planProcurement(100, [4, 4, 4, 4], [0, 0, 2, 4])).toEqual({
      buys: [
        { startHour: 100, hours: 2, nodes: 4 },
        { startHour: 102, hours: 1, nodes: 2 },
      ],
      sells: [],
    });
    expect(planProcurement(100, [2, 2, 2], [8, 8, 2])).toEqual({
      buys: [],
      sells: [{ startHour: 101, hours: 1, nodes: 6 }],
    });
  });

  it('places on the tightest node that fits the hard limits', () => {
    const node = (over: Partial<PlacementNode>): PlacementNode => ({
      id: 'n',
      zone: 'z',
      kind: 'federated',
      schedulable: true,
      gpuModel: 'rtx4090',
      freeGpus: 2,
      freeCpu: 24,
      freeMemoryMb: 65536,
      ...over,
    });
    const nodes = [
      node({ id: 'big', freeGpus: 8 }),
      node({ id: 'tight', freeGpus: 2 }),
      node({ id: 'other-zone', zone: 'y', freeGpus: 1 }),
      node({ id: 'cordoned', schedulable: false, freeGpus: 1 }),
      node({ id: 'ib', kind: 'infiniband', freeGpus: 1 }),
    ];
    const ask = {
      zone: 'z',
      gpuModel: 'rtx4090',
      gpus: 1,
      cpu: 4,
      memoryMb: 1024,
      allowedKinds: new Set(['federated']),
    };
    expect(placeNode(nodes, ask)?.id).toBe('tight');
    expect(placeNode(nodes, { ...ask, allowedKinds: new Set(['infiniband']) })?.id).toBe('ib');
    expect(placeNode(nodes, { ...ask, gpuModel: 'h100' })).toBeNull();
  });
});
