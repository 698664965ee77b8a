import { load } from 'js-yaml';

export const CLOUD_INIT_MAX_BYTES = 64 * 1024;

export type CloudInitKind = 'cloud-config' | 'script';

/**
 * A node template's boot config: `#cloud-config` YAML (a mapping) or a `#!` script, at most
 * 64 KiB. Returns the kind, or the problem with it for a 422 on the field.
 */
export function checkCloudInit(text: string): { kind: CloudInitKind } | { problem: string } {
  if (Buffer.byteLength(text, 'utf8') > CLOUD_INIT_MAX_BYTES) {
    return { problem: `must be at most ${CLOUD_INIT_MAX_BYTES} bytes` };
  }
  if (text.includes('\0')) return { problem: 'must not contain NUL bytes' };
  if (text.startsWith('#!')) {
    const firstLine = text.split('\n', 1)[0];
    if (!/^#!\s*\/\S+/.test(firstLine))
      return { problem: 'a script must start with #!/path/to/interpreter' };
    return { kind: 'script' };
  }
  if (/^#cloud-config\s*(\n|$)/.test(text)) {
    // Only comments: a valid, empty config (this YAML parser refuses empty input).
    if (text.split('\n').every((l) => /^\s*(#.*)?$/.test(l))) return { kind: 'cloud-config' };
    let doc: unknown;
    try {
      doc = load(text, { json: false });
    } catch (err) {
      const mark = (err as { mark?: { line: number; column: number } }).mark;
      const where = mark ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : '';
      return { problem: `is not valid YAML${where}` };
    }
    if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc))) {
      return { problem: '#cloud-config must be a YAML mapping' };
    }
    return { kind: 'cloud-config' };
  }
  return { problem: 'must start with #cloud-config or #! (a shell script)' };
}
