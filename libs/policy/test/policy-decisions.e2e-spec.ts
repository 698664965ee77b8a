import { ManualClock } from '@nanopod/common';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningPlatform, startPlatform } from '../../../apps/platform/src/bootstrap';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';
import { DecisionLogPruner } from '../src/decisions/decision-log-pruner.service';
import {
  decider,
  edit,
  grant,
  registerParts,
  sandboxRequest,
  subject,
} from './support/policy-fixtures';

/** 10^10 iterations: only the step limit ends it. */
const EXPLODING = [
  'package nanopod.subsidy',
  '',
  'decision := {"allow": true, "tier": "free", "rate_multiplier": 0, "max_gpu_hours": n, "reasons": []} if {',
  '\tn := count([1 | some i in numbers.range(1, 100000); some j in numbers.range(1, 100000)])',
  '}',
  '',
].join('\n');

async function activateSubsidy(
  platform: TestPlatform,
  admin: TestUser,
  source: string,
): Promise<number> {
  const draft = await platform
    .http()
    .post('/v1/policies/subsidy/versions')
    .set(admin.auth)
    .send({ source, tests: null, message: 'test' })
    .expect(201);
  await platform
    .http()
    .post(`/v1/policies/subsidy/versions/${draft.body.version}/activate`)
    .set(admin.auth)
    .send({})
    .expect(200);
  return draft.body.version as number;
}

describe.each(databaseKinds())('subsidy decisions (%s)', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  let shipped: string;

  beforeAll(async () => {
    platform = await startTestPlatform({
      kind,
      clock: new ManualClock(Date.UTC(2026, 10, 1)),
      env: { NANOPOD_POLICY_DECISION_LOG_MAX_ROWS: '100' },
    });
    admin = await platform.createUser({ roles: ['developer', 'admin'] });
    shipped = (await platform.http().get('/v1/policies/subsidy').set(admin.auth).expect(200)).body
      .active.source;
    registerParts(
      platform,
      new Map([
        ['trusted', { reputation: { score: 90 }, grants: [grant], usage: { month_gpu_hours: 4 } }],
      ]),
    );
  });

  afterAll(async () => {
    await platform?.close();
  });

  afterEach(async () => {
    // Every test starts from the shipped policy.
    const p = (await platform.http().get('/v1/policies/subsidy').set(admin.auth).expect(200)).body;
    if (p.active.source !== shipped) await activateSubsidy(platform, admin, shipped);
  });

  it('decides from the registered input parts and logs the decision with its version', async () => {
    const d = await decider(platform).decide(subject('trusted'), sandboxRequest());
    expect(d).toMatchObject({
      allow: true,
      tier: 'grant',
      rate_multiplier: 0,
      max_gpu_hours: 36,
      policy_version: 1,
    });
    const logged = await platform
      .http()
      .get('/v1/policies/decisions?limit=1')
      .set(admin.auth)
      .expect(200);
    expect(logged.body.data[0]).toMatchObject({
      id: d.decision_id,
      policy_version: 1,
      subject_user_id: 'trusted',
      error: null,
      result: { allow: true, tier: 'grant' },
      input: {
        subject: { user_id: 'trusted' },
        reputation: { score: 90 },
        request: { kind: 'sandbox' },
      },
    });
    const metrics = await platform.metrics();
    expect(metrics).toMatch(
      /nanopod_policy_decision_duration_seconds_count\{outcome="allow"\} [1-9]/,
    );
  });

  it('denies a user with no known parts paid work, for want of a balance', async () => {
    const d = await decider(platform).decide(subject(randomUUID()), sandboxRequest());
    expect(d).toMatchObject({ allow: false, tier: 'standard', max_gpu_hours: 0 });
    expect(d.reasons).toContain('balance_unknown');
  });

  it('stops a policy that explodes at the step limit and denies with policy_error', async () => {
    const version = await activateSubsidy(platform, admin, EXPLODING);
    const started = Date.now();
    const d = await decider(platform).decide(subject('trusted'), sandboxRequest());
    expect(Date.now() - started).toBeLessThan(2000);
    expect(d).toEqual({
      allow: false,
      tier: 'none',
      rate_multiplier: 1,
      max_gpu_hours: 0,
      reasons: ['policy_error'],
      decision_id: expect.any(String),
      policy_version: version,
    });
    const logged = await platform
      .http()
      .get('/v1/policies/decisions?limit=1')
      .set(admin.auth)
      .expect(200);
    expect(logged.body.data[0]).toMatchObject({ id: d.decision_id, error: 'eval_limit_error' });
  });

  it('stops deep recursion through walk at the limit and denies with policy_error', async () => {
    const deep = [
      'package nanopod.subsidy',
      '',
      'decision := {"allow": true, "tier": "free", "rate_multiplier": 0, "max_gpu_hours": n, "reasons": []} if {',
      '\tbig := [x | some i in numbers.range(1, 50000); x := {"k": [i, i, i, i]}]',
      '\tn := count([v | walk(big, [_, v]); walk(big, [_, _])])',
      '}',
      '',
    ].join('\n');
    await activateSubsidy(platform, admin, deep);
    const d = await decider(platform).decide(subject('trusted'), sandboxRequest());
    expect(d.allow).toBe(false);
    expect(d.reasons).toEqual(['policy_error']);
  });

  it('treats a result of the wrong shape as a policy error', async () => {
    await activateSubsidy(
      platform,
      admin,
      'package nanopod.subsidy\n\ndecision := {"allow": "yes", "tier": "free"}\n',
    );
    const d = await decider(platform).decide(subject('trusted'), sandboxRequest());
    expect(d).toMatchObject({ allow: false, tier: 'none', reasons: ['policy_error'] });
    const logged = await platform
      .http()
      .get('/v1/policies/decisions?limit=1')
      .set(admin.auth)
      .expect(200);
    expect(logged.body.data[0].error).toBe('decision_malformed');
  });

  it('previews a draft on the decide route: fail-closed decision and the error, nothing active changes', async () => {
    const draft = await platform
      .http()
      .post('/v1/policies/subsidy/versions')
      .set(admin.auth)
      .send({ source: EXPLODING, tests: null })
      .expect(201);
    const input = { request: sandboxRequest(), reputation: { score: 10 } };
    const res = await platform
      .http()
      .post('/v1/policies/decide')
      .set(admin.auth)
      .send({ input, version: draft.body.version })
      .expect(200);
    expect(res.body.decision).toEqual({
      allow: false,
      tier: 'none',
      rate_multiplier: 1,
      max_gpu_hours: 0,
      reasons: ['policy_error'],
    });
    expect(res.body.error.code).toBe('eval_limit_error');
    expect(res.body.versions.subsidy).toBe(draft.body.version);
    const activeVersion = (await platform.http().get('/v1/policies/subsidy').set(admin.auth)).body
      .active_version as number;
    const active = await platform
      .http()
      .post('/v1/policies/decide')
      .set(admin.auth)
      .send({ input })
      .expect(200);
    expect(active.body.error).toBeNull();
    expect(active.body.versions.subsidy).toBe(activeVersion);
  });

  it('prunes the decision log to its row limit and its age limit', async () => {
    for (let i = 0; i < 105; i++)
      await decider(platform).decide(subject('trusted'), sandboxRequest());
    const pruner = platform.app.get(DecisionLogPruner);
    expect(await pruner.prune()).toBeGreaterThanOrEqual(5);
    const all = await platform
      .http()
      .get('/v1/policies/decisions?limit=1000')
      .set(admin.auth)
      .expect(200);
    expect(all.body.data).toHaveLength(100);

    (platform.clock as ManualClock).advance(31 * 24 * 3600_000);
    const fresh = await decider(platform).decide(subject('trusted'), sandboxRequest());
    await pruner.prune();
    const left = await platform
      .http()
      .get('/v1/policies/decisions?limit=1000')
      .set(admin.auth)
      .expect(200);
    expect(left.body.data.map((d: { id: string }) => d.id)).toEqual([fresh.decision_id]);
  });
});

describe('activation across platform instances', () => {
  const url = process.env.DATABASE_URL;
  const run = url ? it : it.skip;
  if (!url) {
    console.log('skipped: two platform instances need PostgreSQL (set DATABASE_URL)');
  }

  run('reaches a second instance on the same database within 2 seconds', async () => {
    const first = await startTestPlatform({ kind: 'postgres' });
    let second: RunningPlatform | undefined;
    try {
      second = await startPlatform({
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NANOPOD_ENV: 'test',
          PORT: '0',
          NANOPOD_LOCAL_NODE_AGENT: 'false',
          ...first.db.env,
        },
      });
      const admin = await first.createUser({ roles: ['developer', 'admin'] });
      const input = {
        request: sandboxRequest(),
        reputation: { score: 10, passport: { passing: true } },
        balance: { available: 10000 },
      };
      const rateOn = async (p: RunningPlatform) =>
        (
          await request(p.app.getHttpServer())
            .post('/v1/policies/decide')
            .set(admin.auth)
            .send({ input })
            .expect(200)
        ).body.decision.rate_multiplier as number;
      expect(await rateOn(second)).toBe(0.5);

      const shipped = (await first.http().get('/v1/policies/subsidy').set(admin.auth).expect(200))
        .body.active.source as string;
      await activateSubsidy(
        first,
        admin,
        edit(shipped, 'passport_rate := 0.5', 'passport_rate := 0.3'),
      );
      const activatedAt = Date.now();
      let rate = await rateOn(second);
      while (rate !== 0.3 && Date.now() - activatedAt < 2000) {
        await new Promise((r) => setTimeout(r, 50));
        rate = await rateOn(second);
      }
      expect(rate).toBe(0.3);
      expect(Date.now() - activatedAt).toBeLessThan(2000);
    } finally {
      await second?.close();
      await first.close();
    }
  });
});
