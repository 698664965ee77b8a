import { Injectable } from '@nestjs/common';
import { Clock, ConflictError, NotFoundError, ValidationError } from '@nanopod/common';
import { ReputationErrorCodes } from '../reputation.errors';
import { AllowListEntry, AllowListRepository } from './allow-list.repository';

/** GitHub's rules: logins/orgs are alphanumeric with single hyphens; repo names add . and _. */
const ORG = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9._-]{1,100}$/;

/** Parses `org:pytorch` or `repo:huggingface/transformers`. */
export function parseAllowListEntry(entry: string): { kind: 'org' | 'repo'; name: string } {
  const m = /^(org|repo):(.+)$/.exec(entry.trim());
  const kind = m?.[1] as 'org' | 'repo' | undefined;
  const name = m?.[2] ?? '';
  if (
    !kind ||
    !(kind === 'org' ? ORG : REPO).test(name) ||
    name.endsWith('/.') ||
    name.endsWith('/..')
  ) {
    throw new ValidationError(
      ReputationErrorCodes.allowListEntryInvalid,
      'An allow-list entry is org:NAME or repo:OWNER/NAME',
      { entry },
    );
  }
  return { kind, name };
}

export const formatEntry = (e: { kind: string; name: string }): string => `${e.kind}:${e.name}`;

/** The admin-managed organizations and repositories whose contributors earn reputation. */
@Injectable()
export class AllowListService {
  constructor(
    private readonly repo: AllowListRepository,
    private readonly clock: Clock,
  ) {}

  list(): Promise<AllowListEntry[]> {
    return this.repo.list();
  }

  async add(entry: string, adminId: string): Promise<AllowListEntry> {
    const { kind, name } = parseAllowListEntry(entry);
    const row = await this.repo.insert(kind, name, adminId, this.clock.now());
    if (!row) {
      throw new ConflictError(
        ReputationErrorCodes.allowListEntryExists,
        'Already on the allow-list',
        {
          entry: formatEntry({ kind, name }),
        },
      );
    }
    return row;
  }

  async remove(entry: string): Promise<AllowListEntry> {
    const { kind, name } = parseAllowListEntry(entry);
    const row = await this.repo.delete(kind, name);
    if (!row) {
      throw new NotFoundError(
        ReputationErrorCodes.allowListEntryNotFound,
        'Not on the allow-list',
        {
          entry: formatEntry({ kind, name }),
        },
      );
    }
    return row;
  }
}
