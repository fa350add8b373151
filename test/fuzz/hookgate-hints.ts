import fc from 'fast-check';
import { setOwn } from './json-mutations.js';
import type { SchemaHints } from './schema-arbitrary.js';

/**
 * What a tenant could put in hookgate's fields, ordinary and hostile alike, by property name:
 * the schema says `events` is an array of strings; these say which strings an attacker picks
 * (the inputs issue 11 found, among ordinary ones, so a regression shows up here too).
 */
export interface HintTargets {
  /** A receiver answering 200; `<url>/fail` answers 500 so deliveries fail, die and can be retried. */
  receiverUrl: string;
}

const WORDS = ['order', 'paid', 'invoice', 'a', 'z', 'x-y', 'under_score'];

/** Twenty-four `a`s, the event type that made `#.#.#...z` patterns take seconds. */
const STALLING_TYPE = Array.from({ length: 24 }, () => 'a').join('.');
const STALLING_STRING = `${'a'.repeat(26)}!`;

const word = fc.constantFrom(...WORDS);
const dotted = (units: fc.Arbitrary<string>) => fc.array(units, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));

const eventPattern = fc.oneof(
  { weight: 6, arbitrary: dotted(fc.oneof(word, fc.constantFrom('*', '#'))) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('#.#.#.#.#.#.#.#.#.#.#.z', `${Array.from({ length: 60 }, () => '#').join('.')}.z`, '*.*.*.*.*.*.*.*', 'a..b', 'a.#b', 'hookgate.*', 'Ü'),
  },
);

const eventType = fc.oneof({ weight: 6, arbitrary: dotted(word) }, { weight: 1, arbitrary: fc.constantFrom(STALLING_TYPE, STALLING_TYPE, 'hookgate.ping', 'a.*') });

const eventData = fc.oneof(
  { weight: 4, arbitrary: fc.record({ orderId: fc.constantFrom('o1', 'o2', 'o3'), amount: fc.integer({ min: -10, max: 1000 }), s: fc.string({ maxLength: 8 }) }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constant({ s: STALLING_STRING, orderId: 'o1' }) },
);

const mongoFilter = fc.oneof(
  { weight: 8, arbitrary: fc.record({ 'data.amount': fc.record({ $gte: fc.integer({ min: 0, max: 500 }) }) }) },
  { weight: 2, arbitrary: fc.record({ type: dotted(word) }) },
  { weight: 2, arbitrary: fc.record({ $or: fc.array(fc.record({ 'data.orderId': fc.constantFrom('o1', 'o2') }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ 'data.s': fc.record({ $regex: fc.constantFrom('^a', 'b$', '(a|a)*$', '(a+)+$', '(', '\\', '[z-a]', '(?<=a)b') }) }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, unknown>>(
      { $where: 'while (true) {}' },
      { 'data.x': { $exists: true, $in: [1, 2] } },
      { 'data.__proto__.polluted': true },
      { 'data.constructor.name': 'Object' },
      { $expr: { $gt: ['$data.amount', 1] } },
      { 'data.a': { $elemMatch: { $regex: '(x+x+)+y' } } },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString').map((key) => {
      const filter: Record<string, unknown> = {};
      setOwn(filter, key, { $gt: 1 });
      return filter;
    }),
  },
);

const transform = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('$', 'data', '{"id": id, "amount": data.amount}', '$string(data)', 'type & "!"', '$count(data.*)') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '$pad("x", 100000000)',
      '$match(data.s, /(a|a)*$/)',
      '$eval("$match(data.s, /(a+)+$/)")',
      '($f := function($x){$f($x)}; $f(1))',
      '[1..10000000]',
      '$replace(data.s, /(a|a)*$/, "b")',
      '$split(data.s, /(a+)+$/)',
      '(((',
      '$eval("(")',
      '$sum([1..10000000])',
    ),
  },
);

const mergeKey = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('data.orderId', 'type', 'data.s') },
  { weight: 1, arbitrary: fc.constantFrom('constructor', 'toString', '__proto__', 'data.__proto__', 'data.constructor.name', 'valueOf', '.', 'data..x') },
);

const perSecond = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(1, 10, 100, 0.5) },
  { weight: 1, arbitrary: fc.constantFrom(1e-300, 1e-9, Number.MIN_VALUE, 10000, 10001) },
);

const deliveryHeaders = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(fc.stringMatching(/^x-[a-z]{1,8}$/), fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map((value) => value.trim()), { maxKeys: 2 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, string>>(
      { 'x-a': 'a\u0001b' },
      { 'x-a': 'line\r\nInjected: 1' },
      { Expect: '100-continue' },
      { Host: 'evil.example' },
      { 'Content-Length': '5' },
      { 'Transfer-Encoding': 'chunked' },
      { Connection: 'close' },
      { 'webhook-signature': 'v1,forged' },
      { 'x-a': ' padded ' },
      { 'x-a': '\u00e9' },
    ),
  },
);

/** Hints for hookgate's /v1 bodies, keyed by property name (and the schema, where names repeat). */
export function hookgateHints({ receiverUrl }: HintTargets): SchemaHints {
  const url = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(`${receiverUrl}/fuzz`, `${receiverUrl}/fail`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('http://127.0.0.1:1/closed', 'ftp://127.0.0.1/x', 'javascript:alert(1)', 'http://user:pass@127.0.0.1:1/', 'http://[::1]:1/', 'http://0x7f000001:1/', `${receiverUrl}/${'x'.repeat(2100)}`, 'not a url', 'http://%41/'),
    },
  );
  return (property, path, schema) => {
    switch (property) {
      case 'url':
        return url;
      case 'events':
        // A subscription's patterns (strings); a batch's events are objects and follow the schema.
        return schema.type === 'array' && schema.items?.type === 'string' ? fc.array(eventPattern, { minLength: 1, maxLength: 3 }) : undefined;
      case 'type':
        return path.length <= 3 ? eventType : undefined;
      case 'data':
        return eventData;
      case 'filter':
        return mongoFilter;
      case 'transform':
        return transform;
      case 'key':
        return path.includes('merge') ? mergeKey : undefined;
      case 'perSecond':
        return perSecond;
      case 'headers':
        return deliveryHeaders;
      default:
        return undefined;
    }
  };
}
