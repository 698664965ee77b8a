import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { sandboxesRunHere } from '../../../test/e2e/support/node-agent-process';
import { runCli } from '../../../test/support/cli-process';
import { ServingFixture, specYaml, startServingFixture } from './support/serving-fixture';

const describeIf = sandboxesRunHere() ? describe : describe.skip;

describeIf('nanopod serve up and status', () => {
  let f: ServingFixture;
  let dir: string;
  let beat: NodeJS.Timeout;

  beforeAll(async () => {
    f = await startServingFixture();
    dir = mkdtempSync(path.join(tmpdir(), 'nanopod-serve-cli-'));
    // The controller's beat while the CLI waits (it does not tick by itself in tests).
    beat = setInterval(() => void f.controller.runOnce().catch(() => undefined), 200);
  }, 60000);

  afterAll(async () => {
    clearInterval(beat);
    await f?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (args: string[]) =>
    runCli(args, {
      NANOPOD_URL: f.platform.url,
      NANOPOD_API_KEY: f.alice.apiKey,
      HOME: '/nonexistent-home',
      NANOPOD_OUTPUT: 'table',
      COLUMNS: '200',
    }).done;

  it('serves a spec with --wait and shows REPLICAS ready/total and the endpoint', async () => {
    const good = path.join(dir, 'svc.yaml');
    writeFileSync(good, specYaml('readiness_probe: /health\nreplicas: 1'));
    const up = await cli(['serve', 'up', good, '-n', 'clisvc', '--wait', '--json']);
    expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(up.stdout)).toMatchObject({
      name: 'clisvc',
      status: 'READY',
      ready_replicas: 1,
      total_replicas: 1,
    });

    const status = await cli(['serve', 'status']);
    expect(status.code).toBe(0);
    const [header, row] = status.stdout.trim().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['NAME', 'VERSION', 'STATUS', 'REPLICAS', 'ENDPOINT']);
    expect(row.split(/\s{2,}/)).toEqual([
      'clisvc',
      '1',
      'READY',
      '1/1',
      `${f.platform.url}/s/clisvc/`,
    ]);

    // Each CLI run compiles from source (seconds here): the rest of the verbs are the same client
    // calls, checked through the API in the other suites.
    const down = await f.platform.http().delete('/v1/services/clisvc').set(f.alice.auth);
    expect(down.body.status).toBe('SHUTTING_DOWN');
  }, 90000);
});
