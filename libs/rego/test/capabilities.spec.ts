import { capabilities, defaultBuiltins } from '../src';

describe('capabilities', () => {
  const caps = capabilities();
  const byName = new Map(caps.builtins.map((b) => [b.name, b]));

  it('lists every registered built-in and the functions the evaluator implements itself', () => {
    for (const name of defaultBuiltins().names()) expect(byName.has(name)).toBe(true);
    for (const name of ['walk', 'print', 'internal.member_2', 'eq', 'assign'])
      expect(byName.has(name)).toBe(true);
  });

  it('writes declarations in OPA notation', () => {
    expect(byName.get('count')?.decl.result).toEqual({ type: 'number' });
    expect(byName.get('plus')).toMatchObject({ infix: '+' });
    expect(byName.get('http.send')).toMatchObject({
      nondeterministic: true,
      decl: {
        args: [{ type: 'object', dynamic: { key: { type: 'any' }, value: { type: 'any' } } }],
      },
    });
    expect(caps.future_keywords).toEqual(['contains', 'every', 'if', 'in']);
  });

  it('is sorted by name, as OPA prints it', () => {
    const names = caps.builtins.map((b) => b.name);
    expect(names).toEqual([...names].sort());
  });
});
