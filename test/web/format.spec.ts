import { money } from '../../apps/web/src/lib/format';

describe("the dashboard's money format", () => {
  it('shows cents from a dollar up, and small amounts with the decimals that show them', () => {
    expect(money(1234.5)).toBe('$1,234.50');
    expect(money(0)).toBe('$0.00');
    expect(money(0.5)).toBe('$0.50');
    // What a few seconds of a sandbox cost: never "$0.00" beside a chart of $0.0034.
    expect(money(0.0034)).toBe('$0.0034');
    expect(money(0.000012)).toBe('$0.000012');
    expect(money(-0.0034)).toBe('-$0.0034');
    expect(money(null)).toBe('—');
  });
});
