import { randomUUID } from 'node:crypto';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';
import {
  decider,
  edit,
  grant,
  InputParts,
  registerParts,
  sandboxRequest,
  subject,
} from './support/policy-fixtures';

describe.each(databaseKinds())('policy administration (%s)', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  let activeSubsidy: string;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
    admin = await platform.createUser({ roles: ['developer', 'admin'] });
    const res = await platform.http().get('/v1/policies/subsidy').set(admin.auth).expect(200);
    activeSubsidy = res.body.active.source;
  });

  afterAll(async () => {
    await platform?.close();
  });

  it('seeds the shipped policies as active version 1', async () => {
    const res = await platform.http().get('/v1/policies').set(admin.auth).expect(200);
    const byName = Object.fromEntries(
      (res.body.data as Array<{ name: string; package: string; active_version: number }>).map(
        (p) => [p.name, p],
      ),
    );
    expect(byName.subsidy).toMatchObject({ package: 'nanopod.subsidy', active_version: 1 });
    expect(byName.gateway).toMatchObject({ package: 'nanopod.gateway', active_version: 1 });
    expect(byName.placement).toMatchObject({ package: 'nanopod.placement', active_version: 1 });
    const log = await platform.http().get('/v1/policies/subsidy/log').set(admin.auth).expect(200);
    expect(log.body.data).toEqual([expect.objectContaining({ kind: 'seed', to_version: 1 })]);
  });

  it('answers a syntax error with 422, its line and column, and leaves the active version untouched', async () => {
    const broken = edit(
      activeSubsidy,
      'high_reputation_score := 70',
      'high_reputation_score := := 70',
    );
    const row = broken.split('\n').findIndex((l) => l.includes(':= := 70')) + 1;
    const before = await platform
      .http()
      .get('/v1/policies/subsidy/versions')
      .set(admin.auth)
      .expect(200);

    const res = await platform
      .http()
      .post('/v1/policies/subsidy/versions')
      .set(admin.auth)
      .send({ source: broken, message: 'typo' })
      .expect(422);

    expect(res.body.error.code).toBe('policy.invalid');
    const [first] = res.body.error.details.errors;
    expect(first).toMatchObject({ code: 'rego_parse_error', file: 'subsidy.rego', row });
    expect(first.col).toBeGreaterThan(0);
    const after = await platform
      .http()
      .get('/v1/policies/subsidy/versions')
      .set(admin.auth)
      .expect(200);
    expect(after.body.data).toEqual(before.body.data);
    const policy = await platform.http().get('/v1/policies/subsidy').set(admin.auth).expect(200);
    expect(policy.body.active_version).toBe(1);
    expect(policy.body.active.source).toBe(activeSubsidy);
  });

  it('validates without saving and refuses a source that changes the package', async () => {
    const ok = await platform
      .http()
      .post('/v1/policies/subsidy/validate')
      .set(admin.auth)
      .send({ source: activeSubsidy })
      .expect(200);
    expect(ok.body).toEqual({ valid: true, errors: [] });

    const moved = activeSubsidy.replace('package nanopod.subsidy', 'package nanopod.other');
    const res = await platform
      .http()
      .post('/v1/policies/subsidy/validate')
      .set(admin.auth)
      .send({ source: moved })
      .expect(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.errors[0]).toMatchObject({
      code: 'policy_package_mismatch',
      file: 'subsidy.rego',
    });
  });

  it("runs a draft's own tests and reports the failing ones", async () => {
    const draft = await platform
      .http()
      .post('/v1/policies/subsidy/versions')
      .set(admin.auth)
      .send({
        source: edit(activeSubsidy, 'passport_rate := 0.5', 'passport_rate := 0.6'),
        message: 'rate',
      })
      .expect(201);
    expect(draft.body).toMatchObject({ status: 'draft', message: 'rate' });
    expect(draft.body.tests).toContain('package nanopod.subsidy_test');

    const res = await platform
      .http()
      .post(`/v1/policies/subsidy/versions/${draft.body.version}/test`)
      .set(admin.auth)
      .expect(200);
    expect(res.body.passed).toBeGreaterThan(10);
    const failing = (res.body.results as Array<{ name: string; passed: boolean }>)
      .filter((r) => !r.passed)
      .map((r) => r.name);
    expect(failing).toContain('test_exhausted_grant_falls_back_to_passport');
    expect(failing).toContain('test_low_reputation_with_passport_pays_half');

    const detail = await platform
      .http()
      .get(`/v1/policies/subsidy/versions/${draft.body.version}`)
      .set(admin.auth)
      .expect(200);
    expect(detail.body.diff).toContain('-passport_rate := 0.5');
    expect(detail.body.diff).toContain('+passport_rate := 0.6');

    // Its tests fail, so it does not activate without force; the active version stays.
    const refused = await platform
      .http()
      .post(`/v1/policies/subsidy/versions/${draft.body.version}/activate`)
      .set(admin.auth)
      .send({ message: 'try' })
      .expect(409);
    expect(refused.body.error.code).toBe('policy.tests_failing');
    const failedNames = (refused.body.error.details.failed as Array<{ name: string }>).map(
      (f) => f.name,
    );
    expect(failedNames).toContain(
      'nanopod.subsidy_test.test_low_reputation_with_passport_pays_half',
    );
    const still = await platform.http().get('/v1/policies/subsidy').set(admin.auth).expect(200);
    expect(still.body.active.version).not.toBe(draft.body.version);
  });

  it('dry-runs a change against the logged decisions and names exactly the ones that flip', async () => {
    const table = new Map<string, InputParts>();
    registerParts(platform, table);
    const users = {
      // grant tier at 80; at a threshold of 85 it is passport (0.5) with no balance: deny.
      flips: {
        reputation: { score: 80, passport: { passing: true } },
        grants: [grant],
        usage: { month_gpu_hours: 0 },
      },
      // grant tier either way.
      stays: { reputation: { score: 90 }, grants: [grant], usage: { month_gpu_hours: 0 } },
      // grant tier at 75; standard at 85, still allowed (balance covers): changed, no flip.
      changes: {
        reputation: { score: 75, passport: { passing: false } },
        grants: [grant],
        usage: { month_gpu_hours: 0 },
        balance: { available: 10000 },
      },
      // passport either way.
      passport: {
        reputation: { score: 40, passport: { passing: true } },
        balance: { available: 5000 },
      },
    };
    const ids: Record<string, string> = {};
    const logins: Record<string, string> = {};
    for (const [name, parts] of Object.entries(users)) {
      const userId = randomUUID();
      table.set(userId, parts);
      const d = await decider(platform).decide(subject(userId), sandboxRequest());
      expect(d.policy_version).toBe(1);
      ids[name] = d.decision_id;
      logins[name] = subject(userId).githubLogin ?? '';
    }

    const draft = await platform
      .http()
      .post('/v1/policies/subsidy/versions')
      .set(admin.auth)
      .send({
        source: edit(activeSubsidy, 'high_reputation_score := 70', 'high_reputation_score := 85'),
      })
      .expect(201);
    const res = await platform
      .http()
      .post(`/v1/policies/subsidy/versions/${draft.body.version}/dry-run`)
      .set(admin.auth)
      .send({ limit: 4 })
      .expect(200);

    expect(res.body).toMatchObject({ evaluated: 4, flips: 1, changed: 2 });
    const byId = Object.fromEntries(
      (res.body.decisions as Array<{ decision_id: string }>).map((d) => [d.decision_id, d]),
    );
    expect(Object.keys(byId).sort()).toEqual([ids.flips, ids.changes].sort());
    expect(byId[ids.flips]).toMatchObject({
      github_login: logins.flips,
      flipped: true,
      before: { allow: true, tier: 'grant', rate_multiplier: 0 },
      after: { allow: false, tier: 'passport', rate_multiplier: 0.5 },
    });
    expect(byId[ids.changes]).toMatchObject({
      flipped: false,
      before: { allow: true, tier: 'grant' },
      after: { allow: true, tier: 'standard', rate_multiplier: 1 },
    });

    const logged = await platform
      .http()
      .get('/v1/policies/decisions?limit=4')
      .set(admin.auth)
      .expect(200);
    expect(logged.body.data).toHaveLength(4);
    expect(logged.body.data[0]).toMatchObject({ policy: 'subsidy', policy_version: 1 });
    expect(logged.body.data[0].latency_us).toBeGreaterThan(0);
  });

  it('activates a draft, changes decisions at once, and rolls back, all audited', async () => {
    const input = {
      subject: { user_id: 'u', github_login: 'u', roles: ['developer'] },
      request: sandboxRequest(),
      reputation: { score: 40, passport: { passing: true } },
      balance: { available: 5000 },
    };
    const decide = async () =>
      (
        await platform
          .http()
          .post('/v1/policies/decide')
          .set(admin.auth)
          .send({ input })
          .expect(200)
      ).body;
    expect((await decide()).decision.rate_multiplier).toBe(0.5);

    const draft = await platform
      .http()
      .post('/v1/policies/subsidy/versions')
      .set(admin.auth)
      .send({ source: edit(activeSubsidy, 'passport_rate := 0.5', 'passport_rate := 0.25') })
      .expect(201);
    const v = draft.body.version as number;
    const preview = await platform
      .http()
      .post('/v1/policies/decide')
      .set(admin.auth)
      .send({ input, version: v })
      .expect(200);
    expect(preview.body.decision.rate_multiplier).toBe(0.25);

    // The shipped tests pin the old rate: refused as it is, activated with force.
    await platform
      .http()
      .post(`/v1/policies/subsidy/versions/${v}/activate`)
      .set(admin.auth)
      .send({ message: 'cheaper for passport holders' })
      .expect(409);
    const act = await platform
      .http()
      .post(`/v1/policies/subsidy/versions/${v}/activate`)
      .set(admin.auth)
      .send({ message: 'cheaper for passport holders', force: true })
      .expect(200);
    expect(act.body).toMatchObject({
      kind: 'activate',
      from_version: 1,
      to_version: v,
      actor_id: admin.id,
    });
    expect(act.body.diff).toContain('+passport_rate := 0.25');
    expect((await decide()).decision.rate_multiplier).toBe(0.25);
    expect((await decide()).versions.subsidy).toBe(v);

    await platform
      .http()
      .post(`/v1/policies/subsidy/versions/${v}/activate`)
      .set(admin.auth)
      .send({})
      .expect(409);

    const back = await platform
      .http()
      .post('/v1/policies/subsidy/rollback')
      .set(admin.auth)
      .send({ version: 1, message: 'too cheap' })
      .expect(200);
    expect(back.body).toMatchObject({ kind: 'rollback', from_version: v, to_version: 1 });
    expect(back.body.diff).toContain('-passport_rate := 0.25');
    expect((await decide()).decision.rate_multiplier).toBe(0.5);

    const versions = await platform
      .http()
      .get('/v1/policies/subsidy/versions')
      .set(admin.auth)
      .expect(200);
    const status = Object.fromEntries(
      (versions.body.data as Array<{ version: number; status: string }>).map((x) => [
        x.version,
        x.status,
      ]),
    );
    expect(status[1]).toBe('active');
    expect(status[v]).toBe('archived');

    const log = await platform.http().get('/v1/policies/subsidy/log').set(admin.auth).expect(200);
    expect(log.body.data.map((a: { kind: string }) => a.kind)).toEqual([
      'rollback',
      'activate',
      'seed',
    ]);
    expect(log.body.data[1].message).toMatch(
      /^cheaper for passport holders \[forced: \d+ test\(s\) failing\]$/,
    );
  });

  it('refuses to roll back to a version that was never active', async () => {
    const draft = await platform
      .http()
      .post('/v1/policies/subsidy/versions')
      .set(admin.auth)
      .send({ source: activeSubsidy })
      .expect(201);
    const res = await platform
      .http()
      .post('/v1/policies/subsidy/rollback')
      .set(admin.auth)
      .send({ version: draft.body.version })
      .expect(409);
    expect(res.body.error.code).toBe('policy.not_a_rollback_target');
    await platform.http().get('/v1/policies/nope').set(admin.auth).expect(404);
    await platform.http().get('/v1/policies/subsidy/versions/999').set(admin.auth).expect(404);
  });

  it('gives a developer 403 on every policy admin route', async () => {
    const dev = await platform.createUser({ roles: ['developer'] });
    const routes: Array<[method: 'get' | 'post', path: string, body?: object]> = [
      ['get', '/v1/policies'],
      ['get', '/v1/policies/subsidy'],
      ['get', '/v1/policies/subsidy/versions'],
      ['get', '/v1/policies/subsidy/versions/1'],
      ['post', '/v1/policies/subsidy/versions', { source: activeSubsidy }],
      ['post', '/v1/policies/subsidy/validate', { source: activeSubsidy }],
      ['post', '/v1/policies/subsidy/versions/1/test'],
      ['post', '/v1/policies/subsidy/versions/1/dry-run', {}],
      ['post', '/v1/policies/subsidy/versions/1/activate', {}],
      ['post', '/v1/policies/subsidy/rollback', { version: 1 }],
      ['get', '/v1/policies/subsidy/log'],
      ['get', '/v1/policies/decisions'],
      ['post', '/v1/policies/decide', { input: {} }],
    ];
    for (const [method, path, body] of routes) {
      const req = platform.http()[method](path).set(dev.auth);
      const res = await (body ? req.send(body) : req);
      expect([method, path, res.status]).toEqual([method, path, 403]);
    }
    for (const [method, path] of routes.slice(0, 2)) {
      const res = await platform.http()[method](path);
      expect(res.status).toBe(401);
    }
  });
});
