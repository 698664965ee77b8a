import { load } from 'js-yaml';
import { RegoParseFailure } from '../errors';

/**
 * METADATA comment blocks (OPA v1/ast/annotations.go): a comment run whose first line is
 * `# METADATA`, directly above a package or a rule, holds YAML. The scope defaults to
 * `package` above a package and `rule` above a rule; authors may be "Name <email>" strings.
 */
export interface CommentLine {
  row: number;
  text: string;
}

export type Annotations = Record<string, unknown>;

const SCOPES = new Set(['package', 'subpackages', 'rule', 'document']);

/** The annotations of the block ending on the line above `row`, if any. */
export function annotationsAbove(
  comments: Map<number, string>,
  row: number,
  defaultScope: 'package' | 'rule',
  file: string,
): Annotations | undefined {
  const lines: string[] = [];
  let r = row - 1;
  while (comments.has(r)) {
    lines.unshift(comments.get(r)!);
    r--;
  }
  const start = lines.findIndex((l) => l.trim() === 'METADATA');
  if (start < 0) return undefined;
  const yaml = lines
    .slice(start + 1)
    .map((l) => (l.startsWith(' ') ? l.slice(1) : l))
    .join('\n');
  let doc: unknown;
  try {
    doc = load(yaml) ?? {};
  } catch (e) {
    throw new RegoParseFailure({
      code: 'rego_parse_error',
      message: `yaml: ${(e as Error).message.split('\n')[0]}`,
      location: { file, row: r + start + 1, col: 1 },
    });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const out: Annotations = { ...(doc as Annotations) };
  out.scope = typeof out.scope === 'string' && SCOPES.has(out.scope) ? out.scope : defaultScope;
  if (Array.isArray(out.authors)) out.authors = out.authors.map(author);
  return out;
}

function author(a: unknown): unknown {
  if (typeof a !== 'string') return a;
  const m = /^(.*?)\s*<([^>]+)>\s*$/.exec(a);
  return m ? (m[1] ? { name: m[1], email: m[2] } : { email: m[2] }) : { name: a.trim() };
}
