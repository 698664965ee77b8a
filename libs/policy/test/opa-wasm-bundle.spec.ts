import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar';
import { ConfigError } from '@nanopod/common';
import { startTestPlatform } from '../../../test/support/test-platform';
import { compilePolicy, CompiledPolicy, loadRegoDir } from '@nanopod/rego';
import { evaluateSubsidy, SUBSIDY_DECISION_REF } from '../src/decisions/subsidy-evaluation';
import { loadOpaWasmBundle, OpaBundleError } from '../src/runtime/opa-wasm-bundle';
import { PolicyEvaluator } from '../src/runtime/policy-evaluator';

const POLICIES = path.resolve(__dirname, '../../../policies');

function opaOnPath(): boolean {
  try {
    execFileSync('opa', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const hasOpa = opaOnPath();
const withOpa = hasOpa ? it : it.skip;
if (!hasOpa) console.log('opa binary not found: skipped');

const subject = { user_id: 'u1', github_login: 'octocat', roles: ['developer'] };
const sandbox = {
  kind: 'sandbox',
  workload_class: 'latency_tolerant',
  gpus: 1,
  gpu_type: 'H100',
  estimated_gpu_hours: 2,
  estimated_cost: 800,
  node_kind: null,
};
const activeGrant = { id: 'g1', status: 'active', monthly_gpu_hours: 40, rate_multiplier: 0 };

/** Varied inputs: every tier, unknown parts, caps, balances, placement. */
const INPUTS: Array<[string, Record<string, unknown>]> = [
  ['subject and request only', { subject, request: sandbox }],
  [
    'grant tier',
    {
      subject,
      request: sandbox,
      reputation: { score: 90, passport: { passing: false } },
      grants: [activeGrant],
      usage: { month_gpu_hours: 3 },
      balance: { available: 0 },
    },
  ],
  [
    'grant cap used up',
    {
      subject,
      request: sandbox,
      reputation: { score: 90 },
      grants: [activeGrant],
      usage: { month_gpu_hours: 40 },
      balance: { available: 10_000 },
    },
  ],
  [
    'low reputation with a grant',
    {
      subject,
      request: sandbox,
      reputation: { score: 20 },
      grants: [activeGrant],
      usage: { month_gpu_hours: 0 },
      balance: { available: 10_000 },
    },
  ],
  [
    'passport tier that can pay',
    {
      subject,
      request: sandbox,
      reputation: { score: 40, passport: { score: 23.5, passing: true } },
      balance: { available: 5000 },
    },
  ],
  [
    'passport tier that cannot pay',
    {
      subject,
      request: sandbox,
      reputation: { score: 40, passport: { score: 23.5, passing: true } },
      balance: { available: 100 },
    },
  ],
  [
    'standard tier with enough balance',
    { subject, request: sandbox, reputation: { score: 10 }, balance: { available: 900 } },
  ],
  ['unknown reputation', { subject, request: sandbox, reputation: { status: 'unknown' } }],
  [
    'unknown balance and grants',
    {
      subject,
      request: sandbox,
      reputation: { score: 95 },
      grants: { status: 'unknown' },
      balance: { status: 'unknown' },
    },
  ],
  [
    'latency-sensitive work on a federated node',
    {
      subject,
      request: { ...sandbox, workload_class: 'latency_sensitive', node_kind: 'federated' },
      reputation: { score: 90 },
      grants: [activeGrant],
      usage: { month_gpu_hours: 0 },
      balance: { available: 10_000 },
    },
  ],
  [
    'a deployment without estimated cost',
    {
      subject,
      request: { kind: 'deployment', workload_class: 'latency_sensitive', gpus: 2 },
      reputation: { score: 75 },
      grants: [{ ...activeGrant, status: 'revoked' }],
    },
  ],
  [
    'an order on infiniband with a discounted grant',
    {
      subject,
      request: { ...sandbox, kind: 'order', node_kind: 'infiniband', estimated_gpu_hours: 10 },
      reputation: { score: 80, passport: { passing: true } },
      grants: [{ ...activeGrant, rate_multiplier: 0.25, monthly_gpu_hours: 20 }],
      usage: { month_gpu_hours: 5 },
      balance: { available: 50_000 },
    },
  ],
];

describe('OPA wasm bundle adapter', () => {
  let tmp: string;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nanopod-opa-'));
  });

  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('rejects a missing bundle file with a clear error', async () => {
    const missing = path.join(tmp, 'nope.tar.gz');
    await expect(loadOpaWasmBundle(missing)).rejects.toThrow(OpaBundleError);
    await expect(loadOpaWasmBundle(missing)).rejects.toThrow(/cannot read OPA bundle .*nope/);
  });

  it('rejects a file that is not gzip with a clear error', async () => {
    const text = path.join(tmp, 'not-gzip.tar.gz');
    fs.writeFileSync(text, 'package nanopod.subsidy\n');
    await expect(loadOpaWasmBundle(text)).rejects.toThrow(/is not a gzip file/);
  });

  it('rejects a gzip tarball without policy.wasm with a clear error', async () => {
    const dir = path.join(tmp, 'no-wasm');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'data.json'), '{}');
    const file = path.join(tmp, 'no-wasm.tar.gz');
    await tar.c({ gzip: true, file, cwd: dir }, ['data.json']);
    await expect(loadOpaWasmBundle(file)).rejects.toThrow(/has no \/policy\.wasm/);
  });

  it('refuses to start the platform when NANOPOD_POLICY_BUNDLE is not a usable bundle', async () => {
    const bad = path.join(tmp, 'bad-bundle.tar.gz');
    fs.writeFileSync(bad, 'not a bundle');
    const start = startTestPlatform({ env: { NANOPOD_POLICY_BUNDLE: bad } });
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(
      /^invalid configuration: NANOPOD_POLICY_BUNDLE: .*not a gzip/,
    );
  });

  describe('against the in-process engine (needs opa on PATH)', () => {
    let bundle: PolicyEvaluator;
    let engine: CompiledPolicy;

    beforeAll(async () => {
      if (!hasOpa) return;
      const file = path.join(tmp, 'bundle.tar.gz');
      execFileSync(
        'opa',
        [
          'build',
          '-t',
          'wasm',
          '-e',
          'nanopod/subsidy/decision',
          '-o',
          file,
          path.join(POLICIES, 'subsidy.rego'),
          path.join(POLICIES, 'placement.rego'),
        ],
        { stdio: 'pipe' },
      );
      bundle = await loadOpaWasmBundle(file);
      engine = compilePolicy(loadRegoDir(POLICIES).filter((m) => !m.path.endsWith('_test.rego')));
    });

    withOpa('gives the same decisions as the in-process engine on varied inputs', () => {
      const outcomes = new Set<string>();
      for (const [name, input] of INPUTS) {
        const fromEngine = evaluateSubsidy(engine, input);
        const fromBundle = evaluateSubsidy(bundle, input);
        expect({ name, error: fromEngine.error }).toEqual({ name, error: null });
        expect({ name, decision: fromBundle.decision, error: fromBundle.error }).toEqual({
          name,
          decision: fromEngine.decision,
          error: null,
        });
        outcomes.add(`${fromEngine.decision.allow}:${fromEngine.decision.tier}`);
      }
      // The inputs are varied enough to reach several outcomes, not one answer a dozen times.
      expect(outcomes.size).toBeGreaterThanOrEqual(3);
    });

    withOpa('answers the subsidy ref directly with the decision object', () => {
      const value = bundle.evaluate(SUBSIDY_DECISION_REF, { input: INPUTS[1][1] });
      expect(value).toEqual(engine.evaluate(SUBSIDY_DECISION_REF, { input: INPUTS[1][1] }));
    });

    withOpa('throws a clear error for an entrypoint the bundle does not have', () => {
      expect(() => bundle.evaluate('data.nanopod.gateway.allow', { input: {} })).toThrow(
        /has no entrypoint nanopod\/gateway\/allow/,
      );
      // Through evaluateSubsidy the same error fails closed instead of throwing.
      const failing: PolicyEvaluator = {
        evaluate: (_ref, options) => bundle.evaluate('data.nope.decision', options),
      };
      const result = evaluateSubsidy(failing, INPUTS[0][1]);
      expect(result.decision.allow).toBe(false);
      expect(result.error?.message).toMatch(/has no entrypoint nope\/decision/);
    });
  });
});
