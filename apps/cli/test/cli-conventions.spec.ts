import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { NANOPOD_CLI, runCli } from '../../../test/support/cli-process';

const root = path.resolve(__dirname, '../../..');
const version = (
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

describe('CLI conventions (as child processes)', () => {
  it('prints its version', async () => {
    const { code, stdout } = await runCli(['--version'], {}).done;
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`nanopod ${version}`);
  });

  it('shows examples in help', async () => {
    const { stdout } = await runCli(['--help'], {}).done;
    expect(stdout).toMatch(/Examples:[\s\S]*nanopod run -- python3/);
  });

  it('writes a bash completion script that completes subcommands', async () => {
    const { code, stdout } = await runCli(['completion', 'bash'], {}).done;
    expect(code).toBe(0);
    const script = `${stdout}\nCOMP_WORDS=(nanopod api-keys c); COMP_CWORD=2; _nanopod; echo "\${COMPREPLY[@]}"`;
    const out = execFileSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(out.trim()).toBe('create');
  });

  it('writes zsh and fish scripts, and refuses an unknown shell', async () => {
    expect((await runCli(['completion', 'zsh'], {}).done).stdout).toContain('#compdef nanopod');
    const fish = (await runCli(['completion', 'fish'], {}).done).stdout;
    expect(fish).toContain("complete -c nanopod -f -n '__fish_use_subcommand' -a sandboxes");
    const bad = await runCli(['completion', 'tcsh'], {}).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown shell "tcsh"/);
  });

  it('refuses bad numbers and durations, naming the flag, before calling anything', async () => {
    // Nothing listens there: a parse error must come before any request.
    const env = { NANOPOD_URL: 'http://127.0.0.1:9', NANOPOD_API_KEY: 'np_unused' };
    const cases: Array<[string[], RegExp]> = [
      [['run', '--memory', 'lots', '--', 'true'], /--memory must be a size/],
      [['run', '--cpu', 'abc', '--', 'true'], /--cpu must be a number/],
      [['run', '--timeout', 'abc', '--', 'true'], /--timeout must be a duration/],
      [['sandboxes', 'create', '--ttl', 'soon'], /--ttl must be a duration/],
      [['sandboxes', 'create', '--gpus', '1.5'], /--gpus must be a whole number/],
      [['sandboxes', 'create', '--memory', '0'], /--memory must be greater than zero/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, env).done;
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
    }
  });

  it('parses policy validation output as tab-separated lines when piped', () => {
    // `policies validate` runs locally; its result table must be plain when stdout is a pipe.
    const run = spawnSync(
      process.execPath,
      [NANOPOD_CLI, 'policies', 'test', path.join(root, 'policies')],
      { env: { ...process.env, NANOPOD_OUTPUT: 'plain' }, encoding: 'utf8' },
    );
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n').filter((l) => l.includes('\t'));
    expect(lines.length).toBeGreaterThan(1);
    expect(run.stdout).not.toContain('│');
  });
});
