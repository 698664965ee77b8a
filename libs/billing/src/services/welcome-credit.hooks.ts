import { Injectable, OnModuleInit } from '@nestjs/common';
import { NewUserHooks } from '@nanopod/identity';
import { WelcomeCreditService } from './welcome-credit.service';

/** The welcome credit is granted when a user is created or signs in, not when they look. */
@Injectable()
export class WelcomeCreditHooks implements OnModuleInit {
  constructor(
    private readonly hooks: NewUserHooks,
    private readonly welcome: WelcomeCreditService,
  ) {}

  onModuleInit(): void {
    this.hooks.register((userId) => this.welcome.ensure(userId));
  }
}
