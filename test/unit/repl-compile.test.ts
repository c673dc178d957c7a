// The prompt's compile step (src/repl/compile.ts) and its eval (src/repl/evaluate.ts): TypeScript with
// types runs, top-level await works, what an input declares is there for the next input (and can be
// declared again), an input that stops mid-statement asks for more, and a syntax error is one line
// with its place. The scripts are run in a vm context as the REPL runs them.
import { Recoverable } from 'node:repl';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { compileInput } from '../../src/repl/compile.ts';
import { createEvaluator } from '../../src/repl/evaluate.ts';

/** Compiles and runs each input in one context, as successive lines at the prompt; their results. */
async function session(...inputs: string[]): Promise<unknown[]> {
  const context = vm.createContext({ delay: (v: unknown) => new Promise((r) => setTimeout(() => r(v), 5)) });
  const results: unknown[] = [];
  for (const input of inputs) {
    const compiled = compileInput(input);
    if (compiled.kind !== 'script') throw new Error(`${input} did not compile: ${JSON.stringify(compiled)}`);
    results.push(await new vm.Script(compiled.code).runInContext(context));
  }
  return results;
}

describe('compileInput', () => {
  it('runs TypeScript with types: annotations, interfaces, generics, casts', async () => {
    expect(
      await session(
        'interface Server { name: string; cores: number }',
        "const servers: Server[] = [{ name: 'a', cores: 2 }, { name: 'b', cores: 4 }]",
        'function total<T extends { cores: number }>(xs: T[]): number { return xs.reduce((s, x) => s + x.cores, 0) }',
        'total(servers as Server[])',
      ),
    ).toEqual([undefined, undefined, undefined, 6]);
  });

  it('awaits at the top level, and the value of the last expression is the result', async () => {
    expect(
      await session('const n: number = await delay(41)', 'n + 1', 'await delay("done")', 'delay(7)'),
    ).toEqual([undefined, 42, 'done', 7]);
  });

  it('keeps declarations for later inputs, destructuring and classes included, and lets them be declared again', async () => {
    expect(
      await session(
        'const { a, b: [c, , d = 4], ...rest } = { a: 1, b: [2, 0], e: 5 }',
        '[a, c, d, rest]',
        'class Counter { n = 0; up() { return ++this.n } }',
        'const counter = new Counter(); counter.up(); counter.up()',
        'const counter = 10',
        'counter',
      ),
    ).toEqual([undefined, [1, 2, 4, { e: 5 }], undefined, 2, undefined, 10]);
  });

  it('takes `{ a: 1 }` alone for an object, as Node does', async () => {
    expect(await session('{ a: 1 }')).toEqual([{ a: 1 }]);
  });

  it.each([
    ['an open function body', 'function f(a: number) {'],
    ['an open call', 'conn.listNodes('],
    ['an open array', '[1, 2'],
    ['a dangling operator', 'const x = 1 +'],
    ['an open template literal', '`first line'],
    ['an open comment', '/* a note'],
  ])('says an input with %s is incomplete', (_, input) => {
    expect(compileInput(input)).toEqual({ kind: 'incomplete' });
  });

  it('runs the lines of a multi-line input together once complete', async () => {
    expect(compileInput('function double(a: number) {\n  return a * 2')).toEqual({ kind: 'incomplete' });
    expect(await session('function double(a: number) {\n  return a * 2\n}', 'double(21)')).toEqual([
      undefined,
      42,
    ]);
  });

  it('says a syntax error in one line with its place', () => {
    expect(compileInput('const = 3')).toEqual({
      kind: 'error',
      message: 'Variable declaration expected (line 1, column 7).',
    });
    expect(compileInput("'unterminated")).toEqual({
      kind: 'error',
      message: 'Unterminated string literal (line 1, column 14).',
    });
  });

  it('refuses import and export with the way to load a module', () => {
    expect(compileInput("import { x } from 'y'")).toMatchObject({
      kind: 'error',
      message: expect.stringContaining("await import('name')"),
    });
    expect(compileInput('export const x = 1')).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/^export/),
    });
  });
});

describe('the prompt’s eval', () => {
  /** One input through the REPL's eval callback: what it passed on and what it printed. */
  function evaluate(input: string, context = vm.createContext({})) {
    let printed = '';
    const evaluator = createEvaluator((text) => {
      printed += text;
    });
    return new Promise<{ error: Error | null; value: unknown; printed: string }>((resolve) =>
      evaluator.evaluate(input, context, 'repl', (error, value) => resolve({ error, value, printed })),
    );
  }

  it('passes the value on', async () => {
    expect(await evaluate('await Promise.resolve(3) * 2')).toEqual({ error: null, value: 6, printed: '' });
  });

  it('asks the REPL for another line (Recoverable) when the input is incomplete', async () => {
    expect((await evaluate('if (true) {')).error).toBeInstanceOf(Recoverable);
  });

  it('prints a failure as one line and passes nothing on, so the prompt just comes back', async () => {
    const context = vm.createContext({ conn: { listNodes: () => [] } });
    expect(await evaluate('conn.listNode()', context)).toEqual({
      error: null,
      value: undefined,
      printed: 'TypeError: conn.listNode is not a function (did you mean conn.listNodes?)\n',
    });
    expect((await evaluate('const = 1')).printed).toBe(
      'SyntaxError: Variable declaration expected (line 1, column 7).\n',
    );
    expect((await evaluate("await Promise.reject(new Error('no\\nway'))")).printed).toBe('Error: no way\n');
  });

  it('remembers whether the last input stopped mid-statement', async () => {
    const evaluator = createEvaluator(() => {});
    const run = (input: string) =>
      new Promise<void>((resolve) =>
        evaluator.evaluate(input, vm.createContext({}), 'repl', () => resolve()),
      );
    await run('function f() {');
    expect(evaluator.unfinished()).toBe(true);
    await run('function f() {\n}');
    expect(evaluator.unfinished()).toBe(false);
  });

  it('stops waiting for a running input when interrupted', async () => {
    let printed = '';
    const evaluator = createEvaluator((text) => {
      printed += text;
    });
    const ended = new Promise<unknown>((resolve) =>
      evaluator.evaluate('await new Promise(() => {})', vm.createContext({}), 'repl', (error, value) =>
        resolve({ error, value }),
      ),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(evaluator.interrupt()).toBe(true);
    expect(await ended).toEqual({ error: null, value: undefined });
    expect(printed).toMatch(/^Interrupted: /);
    expect(evaluator.interrupt()).toBe(false);
  });
});
