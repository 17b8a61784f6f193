import { describe, expect, it } from 'vitest';
import { isLlreconError } from '../src/errors.js';
import { parseSignedBody } from '../src/lianlian/signed-body.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (isLlreconError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('parseSignedBody', () => {
  it('reads plain string fields', () => {
    expect(parseSignedBody('{"a":"1","b":"two"}')).toEqual({ fields: { a: '1', b: 'two' }, nonString: [] });
  });

  it.each<[string, string, Record<string, string>, string[]]>([
    [
      'keeps a number literal as written',
      '{"money_order":1.10,"n":-0.0,"e":1E+2}',
      { money_order: '1.10', n: '-0.0', e: '1E+2' },
      ['money_order', 'n', 'e'],
    ],
    ['keeps booleans as text and flags them', '{"t":true,"f":false}', { t: 'true', f: 'false' }, ['t', 'f']],
    ['drops null', '{"a":null,"b":"x"}', { b: 'x' }, []],
    [
      'keeps nested objects and arrays as raw text',
      '{"o":{"x":[1, {"y":"}]"}]},"a":[ 1 ,2 ]}',
      { o: '{"x":[1, {"y":"}]"}]}', a: '[ 1 ,2 ]' },
      ['o', 'a'],
    ],
    ['decodes escapes in strings', '{"s":"a\\"b\\\\c\\/d\\n\\t\\u00e9\\u4ea4"}', { s: 'a"b\\c/d\n\té交' }, []],
    ['decodes escaped keys', '{"k\\u0065y":"v","a\\"b":"w"}', { key: 'v', 'a"b': 'w' }, []],
    ['reads raw UTF-8 text, including astral characters', '{"ret_msg":"交易成功","e":"😀"}', { ret_msg: '交易成功', e: '😀' }, []],
    ['surrogate pair escapes', '{"e":"\\ud83d\\ude00"}', { e: '😀' }, []],
    ['tolerates whitespace everywhere', ' \r\n\t{ "a" :\n"1" , "b"\t:\t2 \n} \n', { a: '1', b: '2' }, ['b']],
    ['keeps the empty string', '{"a":""}', { a: '' }, []],
    ['an empty object', '{}', {}, []],
    ['an empty object with spaces', '{ \n }', {}, []],
    ['a string with braces and commas', '{"a":"{,}","b":"]"}', { a: '{,}', b: ']' }, []],
    ['skips a leading BOM', '\uFEFF{"a":"1"}', { a: '1' }, []],
    ['keeps a BOM inside a value', '{"a":"\uFEFFx"}', { a: '\uFEFFx' }, []],
    [
      "the same key in a nested object is the nested value's business",
      '{"o":{"a":1,"a":2},"a":"x"}',
      { o: '{"a":1,"a":2}', a: 'x' },
      ['o'],
    ],
    ['a __proto__ key stays an ordinary field', '{"__proto__":"p","a":"1"}', { ['__proto__']: 'p', a: '1' }, []],
  ])('%s', (_name, raw, fields, nonString) => {
    const parsed = parseSignedBody(raw);
    expect(Object.entries(parsed.fields).sort()).toEqual(Object.entries(fields).sort());
    expect(parsed.nonString).toEqual(nonString);
  });

  it('agrees with JSON.parse on every string value of a realistic body', () => {
    const body = {
      oid_partner: '201408071000001543',
      risk_item: JSON.stringify({ frms_ware_category: '2009', user_info_full_name: '张三', note: 'a"b\\c' }),
      ret_msg: '交易成功',
      weird: '\u0000\u001f\u2028\u2029',
    };
    const raw = JSON.stringify(body, null, 2);
    expect(parseSignedBody(raw).fields).toEqual(body);
  });

  it.each([
    ['not JSON', 'oid_partner=1', 'LLRECON_INVALID_JSON'],
    ['truncated JSON', '{"a":"1"', 'LLRECON_INVALID_JSON'],
    ['empty', '', 'LLRECON_INVALID_JSON'],
    ['trailing garbage', '{"a":"1"} x', 'LLRECON_INVALID_JSON'],
    ['an array', '[{"a":"1"}]', 'LLRECON_NOT_AN_OBJECT'],
    ['a string', '"x"', 'LLRECON_NOT_AN_OBJECT'],
    ['null', 'null', 'LLRECON_NOT_AN_OBJECT'],
    ['a number', '12', 'LLRECON_NOT_AN_OBJECT'],
    ['two BOMs', '\uFEFF\uFEFF{"a":"1"}', 'LLRECON_INVALID_JSON'],
  ])('refuses %s', (_name, raw, code) => {
    expect(codeOf(() => parseSignedBody(raw))).toBe(code);
  });

  it.each([
    ['string then number', '{"a":1,"a":"x"}', 'a'],
    ['number then string', '{"a":"x","b":"y","a":2}', 'a'],
    ['a value then null', '{"a":"x","a":null}', 'a'],
    ['the same value twice', '{"sign":"s","sign":"s"}', 'sign'],
    ['one spelled with an escape', '{"no_order":"A","no_\\u006frder":"B"}', 'no_order'],
    ['after a BOM', '\uFEFF{"money_order":"1.00","money_order":"100.00"}', 'money_order'],
  ])('refuses a top-level key sent twice (%s), naming it', (_name, raw, field) => {
    let caught: unknown;
    try {
      parseSignedBody(raw);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'LLRECON_INVALID_FIELD', field });
    expect((caught as Error).message).toContain('sent more than once');
  });

  it('names a long duplicate key by its first 64 characters', () => {
    const key = 'k'.repeat(500);
    expect(() => parseSignedBody(`{"${key}":"1","${key}":"2"}`)).toThrow(expect.objectContaining({ field: `${'k'.repeat(64)}…` }));
  });
});

describe('parseSignedBody against JSON.parse (property)', () => {
  it('returns the same strings for any object of string/null values, however it is spaced', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'binary' }), fc.option(fc.string({ unit: 'binary' }), { nil: null })),
        fc.constantFrom(undefined, 1, '\t', ' \r\n'),
        (object, space) => {
          const raw = JSON.stringify(object, null, space);
          const expected = Object.entries(JSON.parse(raw) as Record<string, string | null>).filter(([, v]) => v !== null);
          const parsed = parseSignedBody(raw);
          expect(Object.entries(parsed.fields).sort()).toEqual(expected.sort());
          expect(parsed.nonString).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
