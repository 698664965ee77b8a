import { Injectable } from '@nestjs/common';
import { Clock } from '@nanopod/common';
import { AllowListService, formatEntry } from '../allow-list/allow-list.service';
import { GitHubClient } from './github-client';

export interface Contribution {
  /** `org:pytorch` or `repo:huggingface/transformers`. */
  entry: string;
  merged_pull_requests: number;
  /** Commits per the repository's contributors list; null for organizations (not counted). */
  commits: number | null;
}

export interface GitHubAnalytics {
  github_id: string;
  login: string;
  account_created_at: string;
  account_age_days: number;
  public_repos: number;
  followers: number;
  contributions: Contribution[];
  merged_pull_requests: number;
  commits: number;
  fetched_at: string;
}

/**
 * Account facts and contributions to allow-listed organizations and repositories, from the
 * durable GitHub id (the current login is read from GitHub, so renames are followed).
 */
@Injectable()
export class GitHubAnalyticsService {
  constructor(
    private readonly client: GitHubClient,
    private readonly allowList: AllowListService,
    private readonly clock: Clock,
  ) {}

  get configured(): boolean {
    return this.client.configured;
  }

  async analyze(githubId: string): Promise<GitHubAnalytics> {
    const { user } = await this.client.userById(githubId);
    const entries = await this.allowList.list();
    const contributions: Contribution[] = [];
    // Sequential on purpose: the search API allows 30 requests a minute.
    for (const e of entries) {
      const scope = `${e.kind}:${e.name}`;
      const merged = await this.client.mergedPullRequests(user.login, scope);
      const commits = e.kind === 'repo' ? await this.client.commitsTo(e.name, user.id) : null;
      contributions.push({ entry: formatEntry(e), merged_pull_requests: merged, commits });
    }
    const now = this.clock.now();
    const created = Date.parse(user.created_at);
    return {
      github_id: String(user.id),
      login: user.login,
      account_created_at: user.created_at,
      account_age_days: Number.isFinite(created)
        ? Math.max(0, Math.floor((now.getTime() - created) / 86_400_000))
        : 0,
      public_repos: user.public_repos ?? 0,
      followers: user.followers ?? 0,
      contributions,
      merged_pull_requests: contributions.reduce((s, c) => s + c.merged_pull_requests, 0),
      commits: contributions.reduce((s, c) => s + (c.commits ?? 0), 0),
      fetched_at: now.toISOString(),
    };
  }
}
