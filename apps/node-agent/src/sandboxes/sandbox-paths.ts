import { posix } from 'node:path';
import { AgentOperationError } from '../runtime/runtime-driver';

/**
 * Turns a path the platform sent (relative to the work dir, or absolute under /work) into a
 * normalized relative path. Anything that would leave the work dir is refused, never clamped:
 * a caller sending `../` made a mistake or is probing.
 */
export function sandboxRelativePath(input: string): string {
  if (typeof input !== 'string' || input.includes('\0')) {
    throw new AgentOperationError('agent.path_invalid', 'path must be a string without NUL bytes');
  }
  let path = input.trim();
  if (path === '' || path === '.' || path === '/work' || path === '/work/') return '.';
  if (path.startsWith('/work/')) path = path.slice('/work/'.length);
  else if (path.startsWith('/')) {
    throw new AgentOperationError('agent.path_invalid', `path "${input}" is outside /work`);
  }
  if (path.split('/').some((segment) => segment === '..')) {
    throw new AgentOperationError('agent.path_invalid', `path "${input}" may not contain ".."`);
  }
  const normalized = posix.normalize(path).replace(/\/+$/, '');
  return normalized === '' ? '.' : normalized;
}

/** Validates a tar entry path or a link target as staying inside the extraction root. */
export function isContainedPath(path: string, base = '.'): boolean {
  if (path.startsWith('/') || path.includes('\0')) return false;
  const joined = posix.normalize(posix.join(base, path));
  return joined !== '..' && !joined.startsWith('../');
}
