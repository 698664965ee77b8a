import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ApiKeysService } from './api-keys.service';
import { UsersService } from './users.service';
import { scopesForRoles } from '../auth/principal';

/**
 * Like Keycloak's bootstrap admin: when NANOPOD_BOOTSTRAP_KEY_FILE is set and no admin key
 * exists yet, create an admin user and write one admin API key to that file (mode 0600).
 */
@Injectable()
export class BootstrapAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdminService.name);

  constructor(
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
    private readonly users: UsersService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const file = this.config.bootstrapKeyFile;
    if (!file) return;
    if ((await this.apiKeys.countActiveAdminKeys()) > 0) {
      this.logger.log('an admin API key exists; no bootstrap key written');
      return;
    }
    const user = await this.users.createLocal({
      displayName: 'Bootstrap admin',
      roles: ['admin', 'developer'],
    });
    const roles = user.roles;
    const { key, token } = await this.apiKeys.create(
      {
        userId: user.id,
        githubLogin: null,
        roles,
        via: 'api_key',
        scopes: scopesForRoles(roles),
        user,
      },
      { name: 'bootstrap-admin', scopes: ['read', 'write', 'admin'] },
    );
    const target = path.resolve(file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, `${token}\n`, { mode: 0o600 });
    await chmod(target, 0o600);
    this.logger.warn(
      { apiKeyId: key.id, file: target },
      'bootstrap admin API key written; revoke it once you have a real admin',
    );
  }
}
