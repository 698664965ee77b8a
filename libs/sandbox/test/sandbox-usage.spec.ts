import { SandboxEntity } from '../src/entities/sandbox.entity';
import { usageBetween } from '../src/services/sandbox-usage';

function sandbox(over: Partial<SandboxEntity> = {}): SandboxEntity {
  return Object.assign(new SandboxEntity(), {
    id: 'sb-1',
    ownerId: 'user-1',
    nodeId: 'node-1',
    partnerId: 'partner-1',
    gpus: 0,
    gpuType: null,
    subsidy: {
      tier: 'passport',
      rate_multiplier: 0.5,
      max_gpu_hours: 1,
      decision_id: 'd-1',
      policy_version: 1,
    },
    ...over,
  });
}

describe('sandbox usage records', () => {
  const from = new Date(1_000_000);
  const to = new Date(1_090_500);

  it('records sandbox seconds with a stable transaction id and the subsidy of the decision', () => {
    const [rec, ...rest] = usageBetween(sandbox(), from, to);
    expect(rest).toEqual([]);
    expect(rec).toMatchObject({
      transactionId: 'sandbox:sb-1:sandbox_seconds:1000000-1090500',
      userId: 'user-1',
      metric: 'sandbox_seconds',
      quantity: 90.5,
      occurredAt: to,
      subsidy: { tier: 'passport', rate_multiplier: 0.5, decision_id: 'd-1' },
      properties: {
        node_id: 'node-1',
        partner_id: 'partner-1',
        sandbox_id: 'sb-1',
        gpu_type: null,
      },
    });
  });

  it('adds GPU seconds per GPU with the GPU type when the sandbox holds GPUs', () => {
    const recs = usageBetween(sandbox({ gpus: 2, gpuType: 'rtx 4090' }), from, to);
    const gpu = recs.find((r) => r.metric === 'gpu_seconds');
    expect(gpu).toMatchObject({
      quantity: 181,
      transactionId: 'sandbox:sb-1:gpu_seconds:1000000-1090500',
    });
    expect(gpu?.properties?.gpu_type).toBe('rtx 4090');
  });

  it('records nothing for an empty interval', () => {
    expect(usageBetween(sandbox(), to, to)).toEqual([]);
  });
});
