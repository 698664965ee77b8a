import { createHash } from 'node:crypto';

/** GitHub's login rule: alphanumerics and single inner hyphens, at most 39 characters. */
export const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

export interface DevGithubProfile {
  sub: string;
  githubId: string;
  login: string;
  name?: string;
  email?: string;
  avatarUrl: string;
}

/** A stable made-up GitHub id for a login (the development page has no GitHub to ask). */
export function devGithubId(login: string): string {
  const h = createHash('sha256').update(`github-login:${login.toLowerCase()}`).digest();
  return String((h.readUInt32BE(0) % 900_000_000) + 100_000_000);
}

/** Keycloak subjects are UUIDs; derive one per brokered GitHub id so it is stable across runs. */
export function devSubject(githubId: string): string {
  const h = createHash('sha256').update(`nanopod-dev-github:${githubId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function devProfile(input: {
  login: string;
  name?: string;
  email?: string;
}): DevGithubProfile {
  const githubId = devGithubId(input.login);
  return {
    sub: devSubject(githubId),
    githubId,
    login: input.login,
    name: input.name || undefined,
    email: input.email || undefined,
    avatarUrl: `https://github.com/${input.login}.png`,
  };
}
