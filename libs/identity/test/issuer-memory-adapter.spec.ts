import { randomBytes } from 'node:crypto';
import {
  dropMemoryAdapter,
  memoryAdapterClass,
  memoryAdapterEntries,
} from '../src/builtin-issuer/memory-adapter';

/** The built-in issuer's store: what expired goes, even when nobody asks for it again. */
describe('built-in issuer memory adapter', () => {
  const scopes: string[] = [];
  const newScope = () => {
    const scope = randomBytes(8).toString('hex');
    scopes.push(scope);
    return scope;
  };
  afterAll(() => scopes.forEach(dropMemoryAdapter));

  it('keeps a live entry and its grant index, finds it, and drops it once expired', async () => {
    const Adapter = memoryAdapterClass(newScope());
    const codes = new Adapter('AuthorizationCode');
    await codes.upsert('code-1', { grantId: 'g1', accountId: 'u1' }, 1);
    expect(await codes.find('code-1')).toEqual({ grantId: 'g1', accountId: 'u1' });
    await new Promise((r) => setTimeout(r, 1100));
    expect(await codes.find('code-1')).toBeUndefined();
  });

  it('sweeps entries nobody reads again: abandoned logins do not pile up', async () => {
    const scope = newScope();
    const Adapter = memoryAdapterClass(scope);
    const interactions = new Adapter('Interaction');
    const sessions = new Adapter('Session');
    // A burst of visitors who start a login and never finish it (never read again), each with
    // a session and a grant index entry.
    for (let i = 0; i < 1500; i++) {
      await interactions.upsert(`i-${i}`, { uid: `i-${i}` }, 1);
      await sessions.upsert(`s-${i}`, { uid: `su-${i}`, grantId: `g-${i}` }, 1);
    }
    expect(memoryAdapterEntries(scope)).toBeGreaterThanOrEqual(3000);
    await new Promise((r) => setTimeout(r, 1100));
    // The next writes (a thousand of them, or a minute's worth) sweep what expired.
    for (let i = 0; i < 1000; i++) await interactions.upsert(`later-${i}`, { uid: 'x' }, 600);
    expect(memoryAdapterEntries(scope)).toBeLessThanOrEqual(1000);
    expect(await interactions.find('later-999')).toEqual({ uid: 'x' });
    expect(await sessions.findByUid('su-1')).toBeUndefined();
  });

  it('revokes everything of a grant', async () => {
    const Adapter = memoryAdapterClass(newScope());
    const codes = new Adapter('AuthorizationCode');
    const tokens = new Adapter('AccessToken');
    await codes.upsert('c', { grantId: 'g' }, 60);
    await tokens.upsert('t', { grantId: 'g' }, 3600);
    await tokens.upsert('other', { grantId: 'h' }, 3600);
    await tokens.revokeByGrantId('g');
    expect(await codes.find('c')).toBeUndefined();
    expect(await tokens.find('t')).toBeUndefined();
    expect(await tokens.find('other')).toEqual({ grantId: 'h' });
  });
});
