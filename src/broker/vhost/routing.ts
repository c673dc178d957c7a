// Routing tables for the four AMQP exchange types, generic in the destination type so that they
// know nothing about queues or exchanges. A table answers "which destinations does this message
// go to"; it may answer a destination more than once (two bindings that differ only in their
// arguments), and the virtual host de-duplicates.
import { fieldString, fieldValuesEqual } from './arguments.ts';

export type ExchangeType = 'direct' | 'fanout' | 'topic' | 'headers';

export const EXCHANGE_TYPES: ReadonlySet<string> = new Set(['direct', 'fanout', 'topic', 'headers']);

export interface RouteBinding<D> {
  readonly destination: D;
  readonly routingKey: string;
  readonly args: Record<string, unknown>;
}

export interface RouteTable<D> {
  add(binding: RouteBinding<D>): void;
  /** Removes one binding previously added (same object). */
  remove(binding: RouteBinding<D>): void;
  /**
   * The matching destinations. The array belongs to the table: read it before the next add or
   * remove and never modify it (direct and fanout answer without allocating).
   */
  match(routingKey: string, headers: Record<string, unknown> | undefined): readonly D[];
}

const NONE: readonly never[] = Object.freeze([]);

export function createRouteTable<D>(type: ExchangeType): RouteTable<D> {
  switch (type) {
    case 'direct':
      return new DirectTable<D>();
    case 'fanout':
      return new FanoutTable<D>();
    case 'topic':
      return new TopicTable<D>();
    case 'headers':
      return new HeadersTable<D>();
  }
}

/** Exact routing-key match: one map lookup per message. */
class DirectTable<D> implements RouteTable<D> {
  private readonly byKey = new Map<string, D[]>();

  add(binding: RouteBinding<D>): void {
    const list = this.byKey.get(binding.routingKey);
    if (list) list.push(binding.destination);
    else this.byKey.set(binding.routingKey, [binding.destination]);
  }

  remove(binding: RouteBinding<D>): void {
    const list = this.byKey.get(binding.routingKey);
    if (!list) return;
    removeOne(list, binding.destination);
    if (list.length === 0) this.byKey.delete(binding.routingKey);
  }

  match(routingKey: string): readonly D[] {
    return this.byKey.get(routingKey) ?? NONE;
  }
}

/** Every binding matches; the routing key is ignored. */
class FanoutTable<D> implements RouteTable<D> {
  private readonly all: D[] = [];

  add(binding: RouteBinding<D>): void {
    this.all.push(binding.destination);
  }

  remove(binding: RouteBinding<D>): void {
    removeOne(this.all, binding.destination);
  }

  match(): readonly D[] {
    return this.all;
  }
}

interface TopicNode<D> {
  readonly children: Map<string, TopicNode<D>>;
  star: TopicNode<D> | undefined;
  hash: TopicNode<D> | undefined;
  readonly destinations: D[];
}

const newNode = <D>(): TopicNode<D> => ({
  children: new Map(),
  star: undefined,
  hash: undefined,
  destinations: [],
});

/**
 * Dot-separated words; in a binding `*` matches exactly one word and `#` zero or more. Split as
 * RabbitMQ does: '' is zero words, 'a.' is ['a', ''] (empty words are words).
 */
export function topicWords(key: string): string[] {
  return key === '' ? [] : key.split('.');
}

// Routing keys repeat (a handful of keys carry most traffic), so results are cached per key.
// The cache is dropped whenever a binding changes and when it grows past this bound, so a stream
// of unique keys costs a trie walk each, never unbounded memory.
const TOPIC_CACHE_LIMIT = 4096;

/** A trie over binding words; a match walks only the branches that can match. */
class TopicTable<D> implements RouteTable<D> {
  private readonly root: TopicNode<D> = newNode();
  private readonly cache = new Map<string, readonly D[]>();

  add(binding: RouteBinding<D>): void {
    let node = this.root;
    for (const word of topicWords(binding.routingKey)) {
      if (word === '*') node = node.star ??= newNode();
      else if (word === '#') node = node.hash ??= newNode();
      else {
        let child = node.children.get(word);
        if (!child) {
          child = newNode();
          node.children.set(word, child);
        }
        node = child;
      }
    }
    node.destinations.push(binding.destination);
    this.cache.clear();
  }

  remove(binding: RouteBinding<D>): void {
    const path: Array<{ parent: TopicNode<D>; word: string; node: TopicNode<D> }> = [];
    let node: TopicNode<D> | undefined = this.root;
    for (const word of topicWords(binding.routingKey)) {
      const parent: TopicNode<D> = node;
      node = word === '*' ? parent.star : word === '#' ? parent.hash : parent.children.get(word);
      if (!node) return;
      path.push({ parent, word, node });
    }
    removeOne(node.destinations, binding.destination);
    // Prune branches that no longer lead to a binding, so the trie stays as small as the bindings.
    for (let i = path.length - 1; i >= 0; i--) {
      const step = path[i]!;
      const n = step.node;
      if (n.destinations.length > 0 || n.children.size > 0 || n.star || n.hash) break;
      if (step.word === '*') step.parent.star = undefined;
      else if (step.word === '#') step.parent.hash = undefined;
      else step.parent.children.delete(step.word);
    }
    this.cache.clear();
  }

  match(routingKey: string): readonly D[] {
    const cached = this.cache.get(routingKey);
    if (cached) return cached;
    const found = new Set<D>();
    this.walk(this.root, topicWords(routingKey), 0, found);
    const result = found.size === 0 ? NONE : Array.from(found);
    if (this.cache.size >= TOPIC_CACHE_LIMIT) this.cache.clear();
    this.cache.set(routingKey, result);
    return result;
  }

  private walk(node: TopicNode<D>, words: readonly string[], i: number, found: Set<D>): void {
    // '#' swallows zero or more words: continue from its node at every later position.
    if (node.hash) for (let j = i; j <= words.length; j++) this.walk(node.hash, words, j, found);
    if (i === words.length) {
      for (const d of node.destinations) found.add(d);
      return;
    }
    const child = node.children.get(words[i]!);
    if (child) this.walk(child, words, i + 1, found);
    if (node.star) this.walk(node.star, words, i + 1, found);
  }
}

export type XMatch = 'all' | 'any' | 'all-with-x' | 'any-with-x';

const X_MATCH_VALUES: ReadonlySet<string> = new Set(['all', 'any', 'all-with-x', 'any-with-x']);

/**
 * The binding's x-match mode ('all' when absent), or an error text as RabbitMQ words it when the
 * value is not one of the four modes.
 */
export function parseXMatch(args: Record<string, unknown>): XMatch | { error: string } {
  const raw = args['x-match'];
  if (raw === undefined || raw === null) return 'all';
  const text = fieldString(raw);
  if (text === undefined) {
    return { error: `Invalid x-match field type ${typeof raw} (value ${String(raw)}); expected longstr` };
  }
  if (!X_MATCH_VALUES.has(text)) {
    return {
      error: `Invalid x-match field value <<"${text}">>; expected all, any, all-with-x, or any-with-x`,
    };
  }
  return text as XMatch;
}

interface HeadersMatcher {
  readonly any: boolean;
  /** [key, value] pairs to compare; value null/undefined means "present with any value". */
  readonly pairs: ReadonlyArray<readonly [string, unknown]>;
}

function compileHeadersMatcher(args: Record<string, unknown>): HeadersMatcher {
  const mode = parseXMatch(args);
  const xMatch: XMatch = typeof mode === 'string' ? mode : 'all';
  const withX = xMatch.endsWith('-with-x');
  const pairs: Array<readonly [string, unknown]> = [];
  for (const [key, value] of Object.entries(args)) {
    if (key === 'x-match') continue;
    // Binding arguments starting with x- are broker options, not header patterns (unless -with-x).
    if (!withX && key.startsWith('x-')) continue;
    pairs.push([key, value]);
  }
  return { any: xMatch.startsWith('any'), pairs };
}

/** RabbitMQ's headers exchange rule: all → every pair matches (vacuously true); any → at least one. */
export function headersMatch(args: Record<string, unknown>, headers: Record<string, unknown> | undefined) {
  return runHeadersMatcher(compileHeadersMatcher(args), headers);
}

function runHeadersMatcher(matcher: HeadersMatcher, headers: Record<string, unknown> | undefined): boolean {
  for (const [key, expected] of matcher.pairs) {
    const present = headers !== undefined && Object.hasOwn(headers, key);
    const ok =
      present && (expected === undefined || expected === null || fieldValuesEqual(expected, headers[key]));
    if (matcher.any && ok) return true;
    if (!matcher.any && !ok) return false;
  }
  return !matcher.any;
}

/** Headers bindings are tested one by one against the message headers, as RabbitMQ does. */
class HeadersTable<D> implements RouteTable<D> {
  private readonly entries: Array<{ binding: RouteBinding<D>; matcher: HeadersMatcher }> = [];

  add(binding: RouteBinding<D>): void {
    this.entries.push({ binding, matcher: compileHeadersMatcher(binding.args) });
  }

  remove(binding: RouteBinding<D>): void {
    const index = this.entries.findIndex((e) => e.binding === binding);
    if (index >= 0) this.entries.splice(index, 1);
  }

  match(_routingKey: string, headers: Record<string, unknown> | undefined): readonly D[] {
    let out: D[] | undefined;
    for (const entry of this.entries) {
      if (!runHeadersMatcher(entry.matcher, headers)) continue;
      if (out) out.push(entry.binding.destination);
      else out = [entry.binding.destination];
    }
    return out ?? NONE;
  }
}

function removeOne<D>(list: D[], value: D): void {
  const index = list.indexOf(value);
  if (index >= 0) list.splice(index, 1);
}
