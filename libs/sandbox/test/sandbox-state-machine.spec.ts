import { SANDBOX_STATES, SandboxState } from '../src/entities/sandbox.entity';
import {
  assertTransition,
  canTransition,
  SANDBOX_TRANSITIONS,
  sourcesOf,
} from '../src/sandbox-state-machine';

describe('the sandbox state machine', () => {
  it('lists every state, and only known states as targets', () => {
    expect(Object.keys(SANDBOX_TRANSITIONS).sort()).toEqual([...SANDBOX_STATES].sort());
    for (const targets of Object.values(SANDBOX_TRANSITIONS))
      for (const to of targets) expect(SANDBOX_STATES).toContain(to);
  });

  it('keeps failed and expired final', () => {
    for (const to of SANDBOX_STATES.filter((s) => s !== 'failed'))
      expect(canTransition('failed', to)).toBe(false);
    for (const to of SANDBOX_STATES.filter((s) => s !== 'expired'))
      expect(canTransition('expired', to)).toBe(false);
  });

  it('lets an idle-stopped sandbox resume, and lets every unfinished sandbox expire', () => {
    expect(canTransition('stopped', 'starting')).toBe(true);
    for (const from of ['pending', 'starting', 'running', 'stopped'] as SandboxState[])
      expect(canTransition(from, 'expired')).toBe(true);
  });

  it('never goes back to pending, and a running sandbox does not start again', () => {
    for (const from of SANDBOX_STATES.filter((s) => s !== 'pending'))
      expect(canTransition(from, 'pending')).toBe(false);
    expect(canTransition('running', 'starting')).toBe(false);
  });

  it('allows staying in a state (a patch without a state change)', () => {
    for (const s of SANDBOX_STATES) expect(canTransition(s, s)).toBe(true);
  });

  it('narrows a caller’s allowed-from list to what the table allows', () => {
    expect(sourcesOf('running', ['starting', 'stopped', 'failed'])).toEqual([
      'starting',
      'stopped',
    ]);
    expect(sourcesOf('pending', ['running', 'stopped'])).toEqual([]);
  });

  it('throws a 409 sandbox.invalid_transition for a move the table forbids', () => {
    expect(() => assertTransition('expired', 'running')).toThrow(
      expect.objectContaining({ code: 'sandbox.invalid_transition', kind: 'conflict' }),
    );
    expect(() => assertTransition('stopped', 'running')).not.toThrow();
  });
});
