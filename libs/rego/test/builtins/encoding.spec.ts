import { call } from './call';

describe('encoding built-ins', () => {
  it('marshals JSON as Go does: sorted keys and HTML escapes', () => {
    expect(call('json.marshal', { b: [1, 2], a: '<x>', '10': 1, '9': 2 })).toBe(
      '{"10":1,"9":2,"a":"\\u003cx\\u003e","b":[1,2]}',
    );
    expect(call('json.marshal_with_options', [1, [2]], { indent: '  ', prefix: 'P' })).toBe(
      'P[\nP  1,\nP  [\nP    2\nP  ]\nP]',
    );
    expect(call('json.marshal_with_options', [1], { pretty: false, indent: 'x' })).toBe('[1]');
    expect(() => call('json.marshal_with_options', [], { bogus: true })).toThrow(
      'object contained unknown key "bogus"',
    );
  });

  it('unmarshals and validates JSON and YAML', () => {
    expect(call('json.unmarshal', '{"a":[1,true]}')).toEqual({ a: [1, true] });
    expect(call('json.is_valid', '{')).toBe(false);
    expect(call('yaml.unmarshal', 'a: [1, 2]\nb: x')).toEqual({ a: [1, 2], b: 'x' });
    expect(() => call('yaml.unmarshal', '[1,2,3')).toThrow('yaml: line 1: did not find');
    expect(call('yaml.marshal', { b: [1, 2], a: { c: 'x' } })).toBe('a:\n  c: x\nb:\n- 1\n- 2\n');
    expect(call('yaml.is_valid', 'a: [')).toBe(false);
  });

  it('encodes and decodes base64, base64url, hex and URL queries', () => {
    expect(call('base64.encode', 'hello')).toBe('aGVsbG8=');
    expect(call('base64.decode', 'aGVsbG8=')).toBe('hello');
    expect(() => call('base64.decode', 'aGVsbG8')).toThrow('illegal base64 data at input byte');
    expect(call('base64.is_valid', 'aGVsbG8=')).toBe(true);
    expect(call('base64url.encode', '??>')).toBe('Pz8-');
    expect(call('base64url.encode_no_pad', 'a')).toBe('YQ');
    expect(call('base64url.decode', 'YQ')).toBe('a');
    expect(call('hex.encode', 'hi')).toBe('6869');
    expect(() => call('hex.decode', 'zz')).toThrow("encoding/hex: invalid byte: U+007A 'z'");
    expect(call('urlquery.encode', 'a b&c=d/é')).toBe('a+b%26c%3Dd%2F%C3%A9');
    expect(call('urlquery.decode', 'a+b%26')).toBe('a b&');
    expect(() => call('urlquery.decode', '%zz')).toThrow('invalid URL escape "%zz"');
    expect(call('urlquery.encode_object', { b: ['1', '2'], a: 'x y' })).toBe('a=x+y&b=1&b=2');
    expect(call('urlquery.decode_object', 'a=1&a=2&b=x+y')).toEqual({ a: ['1', '2'], b: ['x y'] });
  });

  it('hashes and signs with node crypto', () => {
    expect(call('crypto.sha256', 'abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(call('crypto.md5', '')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(call('crypto.hmac.sha256', 'msg', 'key')).toBe(
      '2d93cbc1be167bcb1637a4a23cbff01a7878f0c50ee833954ea5221bb1b8c628',
    );
    expect(call('crypto.hmac.equal', 'abc', 'abc')).toBe(true);
    expect(call('crypto.hmac.equal', 'abc', 'abd')).toBe(false);
  });
});
