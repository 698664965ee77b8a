import * as fs from 'node:fs';
import { capabilities } from '../capabilities';

/**
 * `npm run rego:capabilities -- [--out FILE] [--compare OPA_CAPABILITIES_JSON]`
 * Prints the engine's capabilities.json (OPA's format); with --compare, lists the built-ins
 * OPA has that the engine lacks and those whose arity differs.
 */
function main(argv: string[]): number {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const caps = capabilities();
  const text = JSON.stringify(caps, null, 2) + '\n';
  const out = arg('--out');
  const against = arg('--compare');
  if (out) fs.writeFileSync(out, text);
  else if (!against) process.stdout.write(text);
  if (!against) return 0;
  const opa = JSON.parse(fs.readFileSync(against, 'utf8')) as {
    builtins: { name: string; decl: { args?: unknown[] } }[];
  };
  const ours = new Map(caps.builtins.map((b) => [b.name, b]));
  const missing = opa.builtins.filter((b) => !ours.has(b.name)).map((b) => b.name);
  const arity = opa.builtins
    .filter((b) => ours.has(b.name))
    .filter((b) => (b.decl.args?.length ?? 0) !== (ours.get(b.name)!.decl.args?.length ?? 0))
    .map((b) => b.name);
  const extra = caps.builtins.filter((b) => !opa.builtins.some((o) => o.name === b.name));
  process.stdout.write(
    [
      `OPA built-ins: ${opa.builtins.length}; ours: ${caps.builtins.length}`,
      `missing (${missing.length}): ${missing.join(', ')}`,
      `arity differs (${arity.length}): ${arity.join(', ')}`,
      `ours only (${extra.length}): ${extra.map((b) => b.name).join(', ')}`,
    ].join('\n') + '\n',
  );
  return missing.length || arity.length ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
