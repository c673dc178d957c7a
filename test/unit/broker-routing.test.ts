// Exchange routing: the four table types on their own, then exchanges as the virtual host runs
// them (default exchange, reserved names, equivalence, exchange-to-exchange, auto-delete).
import { describe, expect, it } from 'vitest';
import { AmqpError } from '../../src/broker/errors.ts';
import { memoryStore } from '../../src/broker/store/memory-store.ts';
import type { ExchangeOptions, QueueOptions } from '../../src/broker/vhost/contracts.ts';
import { createRouteTable, headersMatch, parseXMatch, topicWords } from '../../src/broker/vhost/routing.ts';
import { createVirtualHost } from '../../src/broker/vhost/vhost.ts';

const binding = (destination: string, routingKey: string, args: Record<string, unknown> = {}) => ({
  destination,
  routingKey,
  args,
});

/** The topic rule written as plainly as possible, to check the trie against. */
function topicReference(pattern: readonly string[], key: readonly string[]): boolean {
  if (pattern.length === 0) return key.length === 0;
  const [head, ...rest] = pattern;
  if (head === '#') {
    for (let i = 0; i <= key.length; i++) if (topicReference(rest, key.slice(i))) return true;
    return false;
  }
  if (key.length === 0) return false;
  return (head === '*' || head === key[0]) && topicReference(rest, key.slice(1));
}

const topicMatches = (pattern: string, key: string) => {
  const table = createRouteTable<string>('topic');
  table.add(binding('q', pattern));
  return table.match(key, undefined).length > 0;
};

describe('direct and fanout tables', () => {
  it('direct routes by exact key, to every binding with that key', () => {
    const table = createRouteTable<string>('direct');
    const b1 = binding('q1', 'red');
    table.add(b1);
    table.add(binding('q2', 'red'));
    table.add(binding('q3', 'green'));
    expect(table.match('red', undefined)).toEqual(['q1', 'q2']);
    expect(table.match('green', undefined)).toEqual(['q3']);
    expect(table.match('blue', undefined)).toEqual([]);
    expect(table.match('', undefined)).toEqual([]);
    table.remove(b1);
    expect(table.match('red', undefined)).toEqual(['q2']);
  });

  it('fanout ignores the routing key', () => {
    const table = createRouteTable<string>('fanout');
    const b = binding('q1', 'x');
    table.add(b);
    table.add(binding('q2', ''));
    expect(table.match('anything', undefined)).toEqual(['q1', 'q2']);
    table.remove(b);
    expect(table.match('', undefined)).toEqual(['q2']);
  });
});

describe('topic table', () => {
  it('splits keys as RabbitMQ does: empty key has no words, empty words count', () => {
    expect(topicWords('')).toEqual([]);
    expect(topicWords('a')).toEqual(['a']);
    expect(topicWords('a.')).toEqual(['a', '']);
    expect(topicWords('.')).toEqual(['', '']);
    expect(topicWords('a..b')).toEqual(['a', '', 'b']);
  });

  it.each([
    ['#', '', true],
    ['#', 'a', true],
    ['#', 'a.b.c', true],
    ['*', '', false],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['*', '.', false],
    ['*.*', 'a.b', true],
    ['*.*', '.', true],
    ['*.*', 'a', false],
    ['*.*', 'a.b.c', false],
    ['a.#.b', 'a.b', true],
    ['a.#.b', 'a.x.b', true],
    ['a.#.b', 'a.x.y.b', true],
    ['a.#.b', 'a.b.c', false],
    ['a.#.b', 'b.a.b', false],
    ['a.#', 'a', true],
    ['a.#', 'a.', true],
    ['a.#', 'ab', false],
    ['#.a', 'a', true],
    ['#.a', 'x.y.a', true],
    ['#.#', '', true],
    ['#.*', '', false],
    ['#.*', 'a', true],
    ['*.#', 'a.b', true],
    ['a.*', 'a.', true],
    ['a.*.b', 'a..b', true],
    ['a..b', 'a..b', true],
    ['a..b', 'a.x.b', false],
    ['', '', true],
    ['', 'a', false],
    ['stock.usd.nyse', 'stock.usd.nyse', true],
    ['stock.*.nyse', 'stock.eur.nyse', true],
    ['stock.*.nyse', 'stock.eur.lse', false],
  ])('pattern %j against key %j → %s', (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
    expect(topicReference(topicWords(pattern), topicWords(key))).toBe(expected);
  });

  it('agrees with the reference rule on every small pattern and key', () => {
    const words = ['a', 'b', ''];
    const all = (alphabet: string[], maxLen: number): string[][] => {
      const out: string[][] = [[]];
      let layer: string[][] = [[]];
      for (let n = 1; n <= maxLen; n++) {
        layer = layer.flatMap((w) => alphabet.map((x) => [...w, x]));
        out.push(...layer);
      }
      return out;
    };
    const patterns = all([...words, '*', '#'], 3).map((p) => p.join('.'));
    const keys = all(words, 4).map((k) => k.join('.'));
    const table = createRouteTable<string>('topic');
    for (const p of patterns) table.add(binding(p, p));
    for (const key of keys) {
      const expected = patterns.filter((p) => topicReference(topicWords(p), topicWords(key))).sort();
      expect([...table.match(key, undefined)].sort(), `key ${JSON.stringify(key)}`).toEqual(
        [...new Set(expected)].sort(),
      );
    }
  });

  it('removing bindings prunes the trie and invalidates cached answers', () => {
    const table = createRouteTable<string>('topic');
    const b1 = binding('q1', 'a.*');
    const b2 = binding('q2', 'a.#');
    table.add(b1);
    table.add(b2);
    expect([...table.match('a.b', undefined)].sort()).toEqual(['q1', 'q2']);
    table.remove(b1);
    expect(table.match('a.b', undefined)).toEqual(['q2']);
    table.remove(b2);
    expect(table.match('a.b', undefined)).toEqual([]);
    table.add(b1);
    expect(table.match('a.b', undefined)).toEqual(['q1']);
  });

  it('answers a destination once even when several patterns match', () => {
    const table = createRouteTable<string>('topic');
    table.add(binding('q', 'a.*'));
    table.add(binding('q', '#'));
    table.add(binding('q', 'a.b'));
    expect(table.match('a.b', undefined)).toEqual(['q']);
  });
});

describe('headers table', () => {
  const headers = { format: 'pdf', type: 'report', 'x-private': 'yes', n: 5 };

  it('x-match all (the default) needs every non-x- key to match', () => {
    expect(headersMatch({ format: 'pdf', type: 'report' }, headers)).toBe(true);
    expect(headersMatch({ 'x-match': 'all', format: 'pdf', type: 'log' }, headers)).toBe(false);
    expect(headersMatch({ format: 'pdf', missing: 'x' }, headers)).toBe(false);
    // No keys to compare: all matches everything.
    expect(headersMatch({}, headers)).toBe(true);
    expect(headersMatch({}, undefined)).toBe(true);
  });

  it('x-match any needs one key; with no keys it matches nothing', () => {
    expect(headersMatch({ 'x-match': 'any', format: 'zip', type: 'report' }, headers)).toBe(true);
    expect(headersMatch({ 'x-match': 'any', format: 'zip' }, headers)).toBe(false);
    expect(headersMatch({ 'x-match': 'any' }, headers)).toBe(false);
    expect(headersMatch({ 'x-match': 'any', format: 'pdf' }, undefined)).toBe(false);
  });

  it('ignores x- binding keys unless -with-x', () => {
    expect(headersMatch({ 'x-private': 'no', format: 'pdf' }, headers)).toBe(true);
    expect(headersMatch({ 'x-match': 'all-with-x', 'x-private': 'no', format: 'pdf' }, headers)).toBe(false);
    expect(headersMatch({ 'x-match': 'all-with-x', 'x-private': 'yes' }, headers)).toBe(true);
    expect(headersMatch({ 'x-match': 'any-with-x', 'x-private': 'yes' }, headers)).toBe(true);
  });

  it('compares values across decoded shapes; a void binding value means presence', () => {
    expect(headersMatch({ format: Buffer.from('pdf') }, headers)).toBe(true);
    expect(headersMatch({ n: 5n }, headers)).toBe(true);
    expect(headersMatch({ n: 6 }, headers)).toBe(false);
    expect(headersMatch({ n: null }, headers)).toBe(true);
    expect(headersMatch({ gone: null }, headers)).toBe(false);
  });

  it('validates x-match', () => {
    expect(parseXMatch({})).toBe('all');
    expect(parseXMatch({ 'x-match': 'any' })).toBe('any');
    expect(parseXMatch({ 'x-match': Buffer.from('any-with-x') })).toBe('any-with-x');
    expect(parseXMatch({ 'x-match': 'some' })).toEqual({
      error: 'Invalid x-match field value <<"some">>; expected all, any, all-with-x, or any-with-x',
    });
  });

  it('routes through the table', () => {
    const table = createRouteTable<string>('headers');
    const b = binding('q1', 'ignored', { 'x-match': 'any', a: 1, b: 2 });
    table.add(b);
    table.add(binding('q2', '', { a: 1, b: 2 }));
    expect(table.match('', { a: 1 })).toEqual(['q1']);
    expect(table.match('', { a: 1, b: 2 })).toEqual(['q1', 'q2']);
    table.remove(b);
    expect(table.match('', { a: 1, b: 2 })).toEqual(['q2']);
  });
});

// ---- exchanges in a virtual host ------------------------------------------------------------

const EX: ExchangeOptions = { durable: false, autoDelete: false, internal: false, arguments: {} };
const Q: QueueOptions = { durable: false, exclusive: false, autoDelete: false, arguments: {} };
const CONN = 'conn-1';

function vhostWithQueues(...names: string[]) {
  const vhost = createVirtualHost('/', memoryStore());
  for (const name of names) vhost.declareQueue(name, Q, false, CONN);
  return vhost;
}

function ready(vhost: ReturnType<typeof vhostWithQueues>) {
  return Object.fromEntries(vhost.stats().map((s) => [s.queue, s.ready]));
}

function amqpError(fn: () => unknown): AmqpError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AmqpError);
    return error as AmqpError;
  }
  throw new Error('expected an AmqpError');
}

const body = Buffer.from('hello');

describe('exchanges in a virtual host', () => {
  it('has the RabbitMQ pre-declared exchanges', () => {
    const vhost = vhostWithQueues('q');
    for (const [name, type] of [
      ['amq.direct', 'direct'],
      ['amq.fanout', 'fanout'],
      ['amq.topic', 'topic'],
      ['amq.headers', 'headers'],
      ['amq.match', 'headers'],
    ] as const) {
      vhost.declareExchange(name, type, { ...EX, durable: true }, true);
      // Redeclaring with the same properties is fine, amq. prefix or not.
      vhost.declareExchange(name, type, { ...EX, durable: true }, false);
    }
    const err = amqpError(() => vhost.declareExchange('amq.direct', 'direct', EX, false));
    expect(err.code).toBe(406);
    expect(err.replyText).toBe(
      "PRECONDITION_FAILED - inequivalent arg 'durable' for exchange 'amq.direct' in vhost '/': received 'false' but current is 'true'",
    );
  });

  it('the default exchange routes to the queue named by the routing key', () => {
    const vhost = vhostWithQueues('q1', 'q2');
    expect(vhost.publish('', 'q1', {}, body).routed).toBe(true);
    expect(vhost.publish('', 'nope', {}, body).routed).toBe(false);
    expect(ready(vhost)).toEqual({ q1: 1, q2: 0 });
  });

  it('refuses to bind, unbind, declare or delete the default exchange (403)', () => {
    const vhost = vhostWithQueues('q');
    for (const fn of [
      () => vhost.bindQueue('q', '', 'q', {}, CONN),
      () => vhost.unbindQueue('q', '', 'q', {}, CONN),
      () => vhost.deleteExchange('', false),
      () => vhost.declareExchange('', 'direct', EX, false),
      () => vhost.bindExchange('amq.direct', '', 'k', {}),
      () => vhost.bindExchange('', 'amq.direct', 'k', {}),
    ]) {
      const err = amqpError(fn);
      expect(err.code).toBe(403);
      expect(err.scope).toBe('channel');
      expect(err.replyText).toBe('ACCESS_REFUSED - operation not permitted on the default exchange');
    }
  });

  it('reserves the amq. prefix for new exchanges and forbids deleting system exchanges', () => {
    const vhost = vhostWithQueues();
    let err = amqpError(() => vhost.declareExchange('amq.mine', 'direct', EX, false));
    expect(err.code).toBe(403);
    expect(err.replyText).toBe("ACCESS_REFUSED - exchange name 'amq.mine' contains reserved prefix 'amq.*'");
    err = amqpError(() => vhost.deleteExchange('amq.fanout', false));
    expect(err.code).toBe(403);
    expect(err.replyText).toBe(
      "ACCESS_REFUSED - deletion of system exchange 'amq.fanout' in vhost '/' not allowed",
    );
  });

  it('an unknown exchange type is a connection error 503 (wording checked against RabbitMQ 3.x/4.x)', () => {
    const vhost = vhostWithQueues();
    const err = amqpError(() => vhost.declareExchange('x', 'x-bogus', EX, false));
    expect(err.code).toBe(503);
    expect(err.scope).toBe('connection');
    expect(err.replyText).toBe("COMMAND_INVALID - unknown exchange type 'x-bogus'");
  });

  it('redeclaring with different properties is 406 with RabbitMQ wording', () => {
    const vhost = vhostWithQueues();
    vhost.declareExchange('x', 'direct', EX, false);
    vhost.declareExchange('x', 'direct', EX, false);
    const cases: Array<[string, ExchangeOptions, string]> = [
      [
        'fanout',
        EX,
        "inequivalent arg 'type' for exchange 'x' in vhost '/': received 'fanout' but current is 'direct'",
      ],
      [
        'direct',
        { ...EX, durable: true },
        "inequivalent arg 'durable' for exchange 'x' in vhost '/': received 'true' but current is 'false'",
      ],
      [
        'direct',
        { ...EX, autoDelete: true },
        "inequivalent arg 'auto_delete' for exchange 'x' in vhost '/': received 'true' but current is 'false'",
      ],
      [
        'direct',
        { ...EX, internal: true },
        "inequivalent arg 'internal' for exchange 'x' in vhost '/': received 'true' but current is 'false'",
      ],
      [
        'direct',
        { ...EX, arguments: { 'alternate-exchange': 'ae' } },
        "inequivalent arg 'alternate-exchange' for exchange 'x' in vhost '/': received the value 'ae' of type 'longstr' but current is none",
      ],
    ];
    for (const [type, options, text] of cases) {
      const err = amqpError(() => vhost.declareExchange('x', type, options, false));
      expect(err.code).toBe(406);
      expect(err.replyText).toBe(`PRECONDITION_FAILED - ${text}`);
    }
  });

  it('passive declare and publish of a missing exchange are 404', () => {
    const vhost = vhostWithQueues();
    let err = amqpError(() => vhost.declareExchange('nope', 'direct', EX, true));
    expect(err.code).toBe(404);
    expect(err.replyText).toBe("NOT_FOUND - no exchange 'nope' in vhost '/'");
    err = amqpError(() => vhost.publish('nope', 'k', {}, body));
    expect(err.code).toBe(404);
    expect(err.replyText).toBe("NOT_FOUND - no exchange 'nope' in vhost '/'");
    // Passive ignores type and flags.
    vhost.declareExchange('x', 'topic', EX, false);
    vhost.declareExchange('x', 'whatever', { ...EX, durable: true }, true);
  });

  it('binding to a missing exchange or queue is 404; unbinding a missing binding is fine', () => {
    const vhost = vhostWithQueues('q');
    expect(amqpError(() => vhost.bindQueue('q', 'nope', 'k', {}, CONN)).replyText).toBe(
      "NOT_FOUND - no exchange 'nope' in vhost '/'",
    );
    expect(amqpError(() => vhost.bindQueue('nope', 'amq.direct', 'k', {}, CONN)).replyText).toBe(
      "NOT_FOUND - no queue 'nope' in vhost '/'",
    );
    vhost.unbindQueue('q', 'amq.direct', 'never-bound', {}, CONN);
  });

  it('routes direct, fanout, topic and headers exchanges to bound queues', () => {
    const vhost = vhostWithQueues('d', 'f1', 'f2', 't', 'h');
    vhost.bindQueue('d', 'amq.direct', 'key', {}, CONN);
    vhost.bindQueue('f1', 'amq.fanout', '', {}, CONN);
    vhost.bindQueue('f2', 'amq.fanout', 'ignored', {}, CONN);
    vhost.bindQueue('t', 'amq.topic', 'logs.*.error', {}, CONN);
    vhost.bindQueue('h', 'amq.headers', '', { 'x-match': 'any', level: 'error' }, CONN);
    expect(vhost.publish('amq.direct', 'key', {}, body).routed).toBe(true);
    expect(vhost.publish('amq.direct', 'other', {}, body).routed).toBe(false);
    expect(vhost.publish('amq.fanout', 'whatever', {}, body).routed).toBe(true);
    expect(vhost.publish('amq.topic', 'logs.db.error', {}, body).routed).toBe(true);
    expect(vhost.publish('amq.topic', 'logs.db.info', {}, body).routed).toBe(false);
    expect(vhost.publish('amq.headers', '', { headers: { level: 'error' } }, body).routed).toBe(true);
    expect(vhost.publish('amq.headers', '', { headers: { level: 'info' } }, body).routed).toBe(false);
    expect(ready(vhost)).toEqual({ d: 1, f1: 1, f2: 1, t: 1, h: 1 });
  });

  it('refuses an invalid x-match at bind time with 406', () => {
    const vhost = vhostWithQueues('q');
    const err = amqpError(() => vhost.bindQueue('q', 'amq.headers', '', { 'x-match': 'most' }, CONN));
    expect(err.code).toBe(406);
  });

  it('binds a queue once per (key, arguments) and delivers one copy', () => {
    const vhost = vhostWithQueues('q');
    vhost.bindQueue('q', 'amq.direct', 'k', {}, CONN);
    vhost.bindQueue('q', 'amq.direct', 'k', {}, CONN);
    vhost.bindQueue('q', 'amq.direct', 'k', { extra: 1 }, CONN);
    vhost.publish('amq.direct', 'k', {}, body);
    expect(ready(vhost)).toEqual({ q: 1 });
    vhost.unbindQueue('q', 'amq.direct', 'k', {}, CONN);
    vhost.publish('amq.direct', 'k', {}, body);
    expect(ready(vhost)).toEqual({ q: 2 });
    vhost.unbindQueue('q', 'amq.direct', 'k', { extra: 1 }, CONN);
    expect(vhost.publish('amq.direct', 'k', {}, body).routed).toBe(false);
  });

  it('follows exchange-to-exchange bindings, routing each queue at most once, through loops', () => {
    const vhost = vhostWithQueues('q1', 'q2');
    vhost.declareExchange('a', 'topic', EX, false);
    vhost.declareExchange('b', 'fanout', EX, false);
    vhost.declareExchange('c', 'direct', EX, false);
    vhost.bindExchange('b', 'a', 'x.#', {}); // a → b for x.#
    vhost.bindExchange('c', 'b', '', {}); // b → c
    vhost.bindExchange('a', 'c', 'x.y', {}); // c → a: a loop
    vhost.bindQueue('q1', 'c', 'x.y', {}, CONN);
    vhost.bindQueue('q1', 'b', '', {}, CONN); // q1 reachable two ways
    vhost.bindQueue('q2', 'a', 'x.y', {}, CONN);
    expect(vhost.publish('a', 'x.y', {}, body).routed).toBe(true);
    expect(ready(vhost)).toEqual({ q1: 1, q2: 1 });
    expect(vhost.publish('a', 'z', {}, body).routed).toBe(false);
    vhost.unbindExchange('b', 'a', 'x.#', {});
    vhost.publish('a', 'x.y', {}, body);
    expect(ready(vhost)).toEqual({ q1: 1, q2: 2 });
  });

  it('an alternate exchange takes what its exchange cannot route', () => {
    const vhost = vhostWithQueues('main', 'unrouted');
    vhost.declareExchange('ae', 'fanout', EX, false);
    vhost.bindQueue('unrouted', 'ae', '', {}, CONN);
    vhost.declareExchange('x', 'direct', { ...EX, arguments: { 'alternate-exchange': 'ae' } }, false);
    vhost.bindQueue('main', 'x', 'k', {}, CONN);
    vhost.publish('x', 'k', {}, body);
    vhost.publish('x', 'other', {}, body);
    expect(ready(vhost)).toEqual({ main: 1, unrouted: 1 });
  });

  it('refuses publishing to an internal exchange but routes through it from another', () => {
    const vhost = vhostWithQueues('q');
    vhost.declareExchange('inner', 'fanout', { ...EX, internal: true }, false);
    vhost.bindQueue('q', 'inner', '', {}, CONN);
    const err = amqpError(() => vhost.publish('inner', '', {}, body));
    expect(err.code).toBe(403);
    expect(err.replyText).toBe("ACCESS_REFUSED - cannot publish to internal exchange 'inner' in vhost '/'");
    vhost.bindExchange('inner', 'amq.fanout', '', {});
    vhost.publish('amq.fanout', '', {}, body);
    expect(ready(vhost)).toEqual({ q: 1 });
  });

  it('deletes an auto-delete exchange with its last binding, including when its queue goes', () => {
    const vhost = vhostWithQueues('q1', 'q2');
    vhost.declareExchange('ad', 'fanout', { ...EX, autoDelete: true }, false);
    vhost.bindQueue('q1', 'ad', '', {}, CONN);
    vhost.bindQueue('q2', 'ad', '', {}, CONN);
    vhost.unbindQueue('q1', 'ad', '', {}, CONN);
    vhost.declareExchange('ad', 'fanout', { ...EX, autoDelete: true }, true);
    vhost.deleteQueue('q2', false, false, CONN);
    expect(amqpError(() => vhost.declareExchange('ad', 'fanout', EX, true)).code).toBe(404);
  });

  it('delete ifUnused refuses an exchange with bindings (406); deleting removes its bindings', () => {
    const vhost = vhostWithQueues('q');
    vhost.declareExchange('x', 'direct', EX, false);
    vhost.declareExchange('up', 'fanout', EX, false);
    vhost.bindQueue('q', 'x', 'k', {}, CONN);
    vhost.bindExchange('x', 'up', '', {});
    const err = amqpError(() => vhost.deleteExchange('x', true));
    expect(err.code).toBe(406);
    expect(err.replyText).toBe("PRECONDITION_FAILED - exchange 'x' in vhost '/' in use");
    vhost.deleteExchange('x', false);
    expect(vhost.publish('up', '', {}, body).routed).toBe(false);
    // Deleting a missing exchange succeeds, as in RabbitMQ.
    vhost.deleteExchange('x', false);
    vhost.declareExchange('x', 'direct', EX, false);
    expect(vhost.publish('x', 'k', {}, body).routed).toBe(false);
  });
});
