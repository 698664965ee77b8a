/**
 * JSON text to a value with numbers kept exact (OPA decodes JSON numbers as json.Number, so
 * `json.unmarshal("123456789012345678901")` is that integer, not a double).
 */
import { numberFromText } from '../number';
import { fromJSON, RegoObject, type Value } from '../value';

/** Number tokens a double may not hold: 17+ digits (with dots) or an exponent. */
const MAYBE_INEXACT = /[\d.]{17,}|\d[eE]/;

/** JSON.parse (its errors as they are), numbers exact. */
export function parseJSONExact(text: string): Value {
  const plain = JSON.parse(text) as unknown;
  if (!MAYBE_INEXACT.test(text)) return fromJSON(plain);
  return new ExactParser(text).document();
}

/** A parser for text JSON.parse accepted already (so it reports no errors of its own). */
class ExactParser {
  private i = 0;
  constructor(private readonly s: string) {}

  document(): Value {
    const v = this.value();
    return v;
  }

  private ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  private value(): Value {
    this.ws();
    const s = this.s;
    const c = s[this.i];
    if (c === '{') {
      this.i++;
      const o = new RegoObject();
      this.ws();
      if (s[this.i] === '}') {
        this.i++;
        return o;
      }
      for (;;) {
        this.ws();
        const k = this.string();
        this.ws();
        this.i++; // ':'
        o.set(k, this.value());
        this.ws();
        if (s[this.i++] === '}') return o;
      }
    }
    if (c === '[') {
      this.i++;
      const a: Value[] = [];
      this.ws();
      if (s[this.i] === ']') {
        this.i++;
        return a;
      }
      for (;;) {
        a.push(this.value());
        this.ws();
        if (s[this.i++] === ']') return a;
      }
    }
    if (c === '"') return this.string();
    if (s.startsWith('true', this.i)) {
      this.i += 4;
      return true;
    }
    if (s.startsWith('false', this.i)) {
      this.i += 5;
      return false;
    }
    if (s.startsWith('null', this.i)) {
      this.i += 4;
      return null;
    }
    const m = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(s.slice(this.i, this.i + 4096));
    const tok = m ? m[0] : '';
    this.i += tok.length;
    return numberFromText(tok) ?? Number(tok);
  }

  private string(): string {
    const s = this.s;
    const start = this.i;
    this.i++;
    while (s[this.i] !== '"') this.i += s[this.i] === '\\' ? 2 : 1;
    this.i++;
    return JSON.parse(s.slice(start, this.i)) as string;
  }
}
