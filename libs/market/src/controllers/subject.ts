import type { Principal } from '@nanopod/identity';
import type { MarketActor } from '../services/market.service';

export const actorOf = (p: Principal): MarketActor => ({
  userId: p.userId,
  githubLogin: p.githubLogin,
  roles: p.roles,
});
