import { PolicyInputRegistry } from '@nanopod/policy';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';

const day = 86_400_000;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

describe.each(databaseKinds())('subsidy grants API (%s)', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  let counter = 0;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  const createProgram = (overrides: Record<string, unknown> = {}) =>
    platform
      .http()
      .post('/v1/grants/programs')
      .set(admin.auth)
      .send({
        name: `Program ${kind} ${++counter}`,
        monthly_gpu_hours: 40,
        rate_multiplier: 0,
        eligibility: 'Merged pull requests to pytorch',
        starts_at: iso(-day),
        ends_at: iso(30 * day),
        ...overrides,
      });

  it('lets a developer apply, an admin approve, and puts the active grant into the policy input', async () => {
    const dev = await platform.createUser();
    const program = (await createProgram().expect(201)).body;
    expect(program).toMatchObject({ monthly_gpu_hours: 40, rate_multiplier: 0, state: 'open' });

    const listed = await platform.http().get('/v1/grants/programs').set(dev.auth).expect(200);
    expect(listed.body.data.map((p: { id: string }) => p.id)).toContain(program.id);

    const app = await platform
      .http()
      .post(`/v1/grants/programs/${program.id}/applications`)
      .set(dev.auth)
      .send({ statement: 'I maintain torchvision transforms and need GPUs for CI.' })
      .expect(201);
    expect(app.body).toMatchObject({ status: 'open', user_id: dev.id, program: program.name });

    const open = await platform
      .http()
      .get('/v1/grants/applications?status=open')
      .set(admin.auth)
      .expect(200);
    expect(open.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: app.body.id,
          github_login: dev.githubLogin,
          reputation: null,
        }),
      ]),
    );

    const approved = await platform
      .http()
      .post(`/v1/grants/applications/${app.body.id}/approve`)
      .set(admin.auth)
      .send({ note: 'welcome' })
      .expect(200);
    expect(approved.body.application).toMatchObject({
      status: 'approved',
      decision_note: 'welcome',
    });
    expect(approved.body.grant).toMatchObject({
      status: 'active',
      program_id: program.id,
      user_id: dev.id,
    });

    const mine = await platform.http().get('/v1/me/grants').set(dev.auth).expect(200);
    expect(mine.body.grants).toEqual([
      expect.objectContaining({ id: approved.body.grant.id, status: 'active' }),
    ]);
    expect(mine.body.applications).toEqual([
      expect.objectContaining({ id: app.body.id, status: 'approved' }),
    ]);

    const input = await platform.app
      .get(PolicyInputRegistry)
      .gather({ userId: dev.id, githubLogin: dev.githubLogin, roles: ['developer'] });
    expect(input.grants).toEqual([
      {
        id: approved.body.grant.id,
        program_id: program.id,
        program: program.name,
        status: 'active',
        monthly_gpu_hours: 40,
        rate_multiplier: 0,
        ends_at: program.ends_at,
      },
    ]);

    // Approving twice is a conflict, not a second grant.
    await platform
      .http()
      .post(`/v1/grants/applications/${app.body.id}/approve`)
      .set(admin.auth)
      .send({})
      .expect(409);
  });

  it('keeps one open application per program and refuses to apply while holding the grant', async () => {
    const dev = await platform.createUser();
    const program = (await createProgram().expect(201)).body;
    const apply = () =>
      platform
        .http()
        .post(`/v1/grants/programs/${program.id}/applications`)
        .set(dev.auth)
        .send({ statement: 'Please fund my research on sparse attention.' });
    await apply().expect(201);
    const again = await apply().expect(409);
    expect(again.body.error.code).toBe('reputation.grant_application_exists');

    await platform
      .http()
      .post(`/v1/grants/programs/${program.id}/grants`)
      .set(admin.auth)
      .send({ github_login: dev.githubLogin })
      .expect(201);
    // The open application stays, but a holder cannot apply to a new one.
    const rejectedApp = (await platform.http().get('/v1/me/grants').set(dev.auth).expect(200)).body
      .applications[0];
    await platform
      .http()
      .post(`/v1/grants/applications/${rejectedApp.id}/reject`)
      .set(admin.auth)
      .send({ note: 'Granted directly instead' })
      .expect(200);
    const holder = await apply().expect(409);
    expect(holder.body.error.code).toBe('reputation.grant_exists');
  });

  it('rejects an application with a note the applicant can read', async () => {
    const dev = await platform.createUser();
    const program = (await createProgram().expect(201)).body;
    const app = (
      await platform
        .http()
        .post(`/v1/grants/programs/${program.id}/applications`)
        .set(dev.auth)
        .send({ statement: 'I would like free GPUs for my side project.' })
        .expect(201)
    ).body;
    await platform
      .http()
      .post(`/v1/grants/applications/${app.id}/reject`)
      .set(admin.auth)
      .send({})
      .expect(400);
    await platform
      .http()
      .post(`/v1/grants/applications/${app.id}/reject`)
      .set(admin.auth)
      .send({ note: 'Not open-source work' })
      .expect(200);
    const seen = await platform
      .http()
      .get(`/v1/grants/applications/${app.id}`)
      .set(dev.auth)
      .expect(200);
    expect(seen.body).toMatchObject({ status: 'rejected', decision_note: 'Not open-source work' });
    const input = await platform.app
      .get(PolicyInputRegistry)
      .gather({ userId: dev.id, githubLogin: dev.githubLogin, roles: ['developer'] });
    expect(input.grants).toEqual([]);
  });

  it('refuses invalid programs with the error shape', async () => {
    const bad = await createProgram({ starts_at: iso(10 * day), ends_at: iso(day) }).expect(400);
    expect(bad.body.error.code).toBe('reputation.grant_invalid_dates');
    for (const body of [
      { rate_multiplier: 1.5 },
      { rate_multiplier: -0.1 },
      { monthly_gpu_hours: 0 },
      { starts_at: 'tomorrow' },
      { name: '' },
      { surprise: true },
    ]) {
      const r = await createProgram(body).expect(400);
      expect(r.body.error).toMatchObject({ code: 'request.invalid' });
    }
    const name = `Unique ${kind}`;
    await createProgram({ name }).expect(201);
    expect((await createProgram({ name }).expect(409)).body.error.code).toBe(
      'reputation.grant_program_exists',
    );
    await platform.http().get('/v1/grants/programs/not-a-uuid').set(admin.auth).expect(400);
    await platform
      .http()
      .get('/v1/grants/programs/00000000-0000-4000-8000-000000000000')
      .set(admin.auth)
      .expect(404);
  });

  it('lets an admin change a program and checks the dates of the result', async () => {
    const program = (await createProgram().expect(201)).body;
    const patched = await platform
      .http()
      .patch(`/v1/grants/programs/${program.id}`)
      .set(admin.auth)
      .send({ rate_multiplier: 0.25, monthly_gpu_hours: 10 })
      .expect(200);
    expect(patched.body).toMatchObject({
      rate_multiplier: 0.25,
      monthly_gpu_hours: 10,
      name: program.name,
    });
    const bad = await platform
      .http()
      .patch(`/v1/grants/programs/${program.id}`)
      .set(admin.auth)
      .send({ ends_at: iso(-2 * day) })
      .expect(400);
    expect(bad.body.error.code).toBe('reputation.grant_invalid_dates');
  });

  it('grants by user id or GitHub login and refuses both, neither, or an unknown user', async () => {
    const dev = await platform.createUser();
    const program = (await createProgram().expect(201)).body;
    const url = `/v1/grants/programs/${program.id}/grants`;
    expect(
      (await platform.http().post(url).set(admin.auth).send({}).expect(400)).body.error.code,
    ).toBe('reputation.grant_invalid_target');
    await platform
      .http()
      .post(url)
      .set(admin.auth)
      .send({ user_id: dev.id, github_login: dev.githubLogin })
      .expect(400);
    await platform
      .http()
      .post(url)
      .set(admin.auth)
      .send({ github_login: 'nobody-here-at-all' })
      .expect(404);
    await platform.http().post(url).set(admin.auth).send({ user_id: dev.id }).expect(201);
    expect(
      (await platform.http().post(url).set(admin.auth).send({ user_id: dev.id }).expect(409)).body
        .error.code,
    ).toBe('reputation.grant_exists');
  });

  it('refuses to apply to a program that has ended', async () => {
    const dev = await platform.createUser();
    const program = (
      await createProgram({ starts_at: iso(-10 * day), ends_at: iso(-day) }).expect(201)
    ).body;
    expect(program.state).toBe('ended');
    const r = await platform
      .http()
      .post(`/v1/grants/programs/${program.id}/applications`)
      .set(dev.auth)
      .send({ statement: 'Late, but still interested in the program.' })
      .expect(409);
    expect(r.body.error.code).toBe('reputation.grant_program_closed');
  });

  it('keeps admin actions and other people’s applications away from developers', async () => {
    const dev = await platform.createUser();
    const other = await platform.createUser();
    const program = (await createProgram().expect(201)).body;
    const app = (
      await platform
        .http()
        .post(`/v1/grants/programs/${program.id}/applications`)
        .set(other.auth)
        .send({ statement: 'My own statement, private to me and admins.' })
        .expect(201)
    ).body;
    await platform
      .http()
      .post(`/v1/grants/applications/${app.id}/approve`)
      .set(dev.auth)
      .send({})
      .expect(403);
    await platform
      .http()
      .post(`/v1/grants/applications/${app.id}/reject`)
      .set(dev.auth)
      .send({ note: 'x' })
      .expect(403);
    await platform.http().get('/v1/grants/applications').set(dev.auth).expect(403);
    await platform.http().get(`/v1/grants/applications/${app.id}`).set(dev.auth).expect(404);
    await platform.http().post('/v1/grants/programs').set(dev.auth).send({}).expect(403);
    await platform
      .http()
      .post(`/v1/grants/programs/${program.id}/grants`)
      .set(dev.auth)
      .send({ user_id: dev.id })
      .expect(403);
    const mine = await platform.http().get('/v1/me/grants').set(dev.auth).expect(200);
    expect(mine.body.applications).toEqual([]);
    await platform.http().get('/v1/me/grants').expect(401);
  });
});
