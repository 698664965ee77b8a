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
import { PlacementJudge, placementNodeKey } from '@nanopod/policy';
import { Engine, loadRegoDir } from '@nanopod/rego';
import * as path from 'node:path';

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

  describe('placement through the shipped placement policy', () => {
    const compiled = new Engine().compile(
      loadRegoDir(path.join(__dirname, '../../../policies')).filter(
        (m) => !m.path.endsWith('_test.rego'),
      ),
    );
    const node = (
      over: Partial<PlacementNode> & { labels?: Record<string, string> },
    ): PlacementNode => {
      const n = {
        id: 'n',
        zone: 'z',
        kind: 'federated' as const,
        schedulable: true,
        trusted: true,
        gpuModel: 'rtx4090',
        freeGpus: 2,
        freeCpu: 24,
        freeMemoryMb: 65536,
        labels: {} as Record<string, string>,
        ...over,
      };
      const facts = {
        kind: n.kind,
        zone: n.zone,
        gpu_models: n.gpuModel ? [n.gpuModel] : [],
        labels: n.labels,
      };
      return { ...n, facts, policyKey: placementNodeKey(facts) };
    };
    const nodes = [
      node({ id: 'big', freeGpus: 8 }),
      node({ id: 'tight', freeGpus: 2 }),
      node({ id: 'other-zone', zone: 'y', freeGpus: 1 }),
      node({ id: 'cordoned', schedulable: false, freeGpus: 1 }),
      node({ id: 'untrusted', trusted: false, freeGpus: 1 }),
      node({ id: 'ib', kind: 'infiniband', freeGpus: 1 }),
    ];
    const ask = { zone: 'z', gpuModel: 'rtx4090', gpus: 1, cpu: 4, memoryMb: 1024 };
    const subject = (workload_class: string) => ({
      workload_class,
      request: { kind: 'deployment_node' as const, zone: 'z', gpu_type: 'rtx4090' },
    });

    it('puts latency-tolerant work on the tightest federated node (the policy prefers them)', () => {
      const judge = new PlacementJudge(compiled);
      const placed = placeNode(nodes, ask, judge.forSubject(subject('latency_tolerant')));
      expect(placed).toEqual({ node: expect.objectContaining({ id: 'tight' }), policyError: null });
    });

    it('puts latency-sensitive work only on InfiniBand, and nothing on a node that excludes it', () => {
      const judge = new PlacementJudge(compiled);
      const verdictOf = judge.forSubject(subject('latency_sensitive'));
      expect(placeNode(nodes, ask, verdictOf).node?.id).toBe('ib');
      expect(placeNode(nodes, { ...ask, gpuModel: 'h100' }, verdictOf).node).toBeNull();
      const excluding = [
        node({ id: 'ib', kind: 'infiniband', labels: { 'nanopod.io/exclude': 'deployment_node' } }),
      ];
      expect(placeNode(excluding, ask, verdictOf).node).toBeNull();
    });

    it('evaluates the policy once per kind of node, not once per node or placement', () => {
      const judge = new PlacementJudge(compiled);
      const verdictOf = judge.forSubject(subject('latency_tolerant'));
      for (let i = 0; i < 10; i++) placeNode(nodes, ask, verdictOf);
      // Two kinds of node pass the hard limits: federated in z, infiniband in z.
      expect(judge.evaluations).toBe(2);
    });

    it('fails closed: a policy that errors or answers a non-boolean places nothing', () => {
      const broken = new Engine().compile([
        { path: 'placement.rego', source: 'package nanopod.placement\n\nallow := "yes"\n' },
      ]);
      const placed = placeNode(
        nodes,
        ask,
        new PlacementJudge(broken).forSubject(subject('latency_tolerant')),
      );
      expect(placed.node).toBeNull();
      expect(placed.policyError?.code).toBe('decision_malformed');
      const none = placeNode(
        nodes,
        ask,
        new PlacementJudge(null).forSubject(subject('latency_tolerant')),
      );
      expect(none).toEqual({
        node: null,
        policyError: expect.objectContaining({ code: 'no_active_policy' }),
      });
    });
  });
});
