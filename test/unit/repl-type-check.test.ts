// The prompt's type check (src/repl/type-check.ts) against the real preloaded types: a wrong type, a
// method that does not exist on the cloud connection, an option the lab does not take are each one
// line with their place; what an earlier input declared keeps its inferred type in the next ones, and
// can be declared again; interfaces declared earlier can be used later.
import { beforeAll, describe, expect, it } from 'vitest';
import { compileInput } from '../../src/repl/compile.ts';
import { AMBIENT_TYPES, PRELOADED_TYPES } from '../../src/repl/context.ts';
import { createTypeCheck, type TypeCheck } from '../../src/repl/type-check.ts';
import { PACKAGE_ROOT } from '../../src/shared/package-root.ts';

let types: TypeCheck;

beforeAll(() => {
  const made = createTypeCheck(PACKAGE_ROOT, PRELOADED_TYPES, AMBIENT_TYPES);
  if (!made) throw new Error('@types/node is a development dependency; it must be installed for the tests.');
  types = made;
}, 30_000);

/** Checks the input; when it has no error, remembers it as run. */
function enter(input: string): string | undefined {
  const error = types.check(input);
  if (!error) types.remember(input);
  return error;
}

describe('the type check', () => {
  it('passes correct inputs that use the preloaded names', () => {
    expect(enter('const nodes = await conn.listNodes()')).toBeUndefined();
    expect(
      enter("await steps.step2(); await check(2); await lab.load('app-worker-1', { seconds: 3 })"),
    ).toBeUndefined();
    expect(enter("const fractals = await faafo.create('app-api-1', 3)")).toBeUndefined();
    expect(enter('console.log(process.env.HOME, setTimeout)')).toBeUndefined();
  });

  it('does not refuse what a prompt is for: arrays that grow, untyped parameters, an object alone', () => {
    expect(enter('const grown = []; grown.push(1)')).toBeUndefined();
    expect(enter('function same(a) { return a }')).toBeUndefined();
    expect(enter('const table: Record<string, number> = {}; const key = "x"; table[key]')).toBeUndefined();
    // The compile step hands the check `{ a: 1, b: 2 }` as the object it runs (in parentheses).
    const object = compileInput('{ a: 1, b: 2 }');
    expect(object).toMatchObject({ kind: 'script', source: '({ a: 1, b: 2 })' });
    expect(enter((object as { source: string }).source)).toBeUndefined();
  });

  it('says a type error in one line with its place', () => {
    expect(enter("const n: number = 'x'")).toBe(
      "Type 'string' is not assignable to type 'number' (line 1, column 7).",
    );
    expect(enter("await lab.load('app-worker-1', { secs: 3 })")).toMatch(
      /^Object literal may only specify known properties, and 'secs' does not exist in type 'LoadOptions' \(line 1, column 34\)\.$/,
    );
    expect(enter('await steps.step9()')).toMatch(
      /^Property 'step9' does not exist on type .*Did you mean 'step1'\?/,
    );
  });

  it('names the method meant on the connection, without printing its whole type', () => {
    const error = enter('conn.listNode()');
    expect(error).toBe(
      "Property 'listNode' does not exist on type '{ … }'. Did you mean 'listNodes'? (line 1, column 6).",
    );
  });

  it('keeps what earlier inputs declared, with their inferred types', () => {
    expect(enter('const names = nodes.map((n) => n.name)')).toBeUndefined();
    expect(enter('const first: number = names[0]')).toMatch(
      /^Type 'string' is not assignable to type 'number'/,
    );
    expect(enter('interface Row { name: string; load: number }')).toBeUndefined();
    expect(enter("const row: Row = { name: 'a', load: 'high' }")).toMatch(
      /^Type 'string' is not assignable to type 'number'/,
    );
  });

  it('lets a name be declared again, with its new type from then on', () => {
    expect(enter('const names = 3')).toBeUndefined();
    expect(enter('names.toFixed(1)')).toBeUndefined();
    expect(enter('names.map((n) => n)')).toMatch(/^Property 'map' does not exist on type 'number'/);
  });

  it('counts lines and columns within a multi-line input', () => {
    expect(enter("function double(a: number) {\n  return a * 2\n}\ndouble('x')")).toMatch(
      /\(line 4, column 8\)\.$/,
    );
  });

  it('forgets what earlier inputs declared when the context is cleared, keeping the preloaded names', () => {
    expect(enter('const kept = 1')).toBeUndefined();
    types.forget();
    expect(enter('kept')).toMatch(/^Cannot find name 'kept'/);
    expect(enter('await conn.listNodes()')).toBeUndefined();
  });
});
