// How the prompt shows results and failures: lists of servers, security groups, floating IPs and
// fractals as tables of the columns a learner reads (src/repl/print.ts), cut to the terminal's width;
// any error as one line (src/repl/error-line.ts), with "did you mean" when a name is near; and tab
// completion of `conn.` from the value and its prototypes (src/repl/complete.ts).
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CloudError } from '../../src/cloud/errors.ts';
import type { FloatingIp, Node, SecurityGroup } from '../../src/cloud/models.ts';
import { completeMember } from '../../src/repl/complete.ts';
import { errorLine } from '../../src/repl/error-line.ts';
import { formatResult } from '../../src/repl/print.ts';
import { renderTable } from '../../src/repl/table.ts';

const node = (name: string, groups: string[], fixed: string, floating?: string): Node => ({
  id: `id-${name}`,
  name,
  state: 'running',
  status: 'ACTIVE',
  privateIps: [fixed],
  publicIps: floating ? [floating] : [],
  floatingIps: floating ? [floating] : [],
  securityGroups: groups,
  metadata: {},
});

const rule = (port: number, source: { group?: string; cidr?: string } = {}) => ({
  id: `r${port}${source.group ?? ''}`,
  protocol: 'tcp',
  fromPort: port,
  toPort: port,
  cidr: source.group ? null : (source.cidr ?? '0.0.0.0/0'),
  sourceGroupId: source.group ?? null,
});

const lines = (text: string) => text.split('\n');

describe('formatResult', () => {
  it('shows servers as a table: name, status, groups, fixed and floating IP', () => {
    const out = formatResult([
      node('app-controller', ['control'], '10.0.0.3', '203.0.113.10'),
      node('app-worker-1', ['worker'], '10.0.0.4'),
    ]);
    expect(lines(out)[0]).toMatch(/^name\s+status\s+security groups\s+fixed IP\s+floating IP$/);
    expect(lines(out)).toContain('app-controller  ACTIVE  control          10.0.0.3  203.0.113.10');
    expect(lines(out)).toContain('app-worker-1    ACTIVE  worker           10.0.0.4');
    expect(lines(out).at(-1)).toBe('(2 rows)');
  });

  it('shows security groups with their rules, a source group by its name', () => {
    const groups: SecurityGroup[] = [
      { id: 'g-worker', name: 'worker', description: '', rules: [rule(22)] },
      {
        id: 'g-services',
        name: 'services',
        description: '',
        rules: [rule(22), rule(5672, { group: 'g-worker' })],
      },
      { id: 'g-admin', name: 'admin', description: '', rules: [rule(22, { cidr: '192.168.0.0/16' })] },
    ];
    const out = lines(formatResult(groups));
    expect(out[0]).toMatch(/^name\s+rules \(ingress\)$/);
    expect(out).toContain('worker    22/tcp');
    expect(out).toContain('services  22/tcp, 5672/tcp from worker');
    expect(out).toContain('admin     22/tcp from 192.168.0.0/16');
  });

  it('shows floating IPs with the server they are attached to, or (free)', () => {
    const ips: FloatingIp[] = [
      { id: 'f1', ipAddress: '203.0.113.10', nodeId: 'id-app-controller', pool: 'public' },
      { id: 'f2', ipAddress: '203.0.113.11', nodeId: null, pool: 'public' },
    ];
    const out = lines(formatResult(ips));
    expect(out[0]).toMatch(/^address\s+attached to server\s+pool$/);
    expect(out).toContain('203.0.113.10  id-app-controller   public');
    expect(out).toContain('203.0.113.11  (free)              public');
  });

  it('shows other lists of flat records (flavors) with a column per field', () => {
    const out = lines(formatResult([{ id: '1', name: 'm1.tiny', vcpus: 1, ram: 512 }]));
    expect(out[0]).toMatch(/^id\s+name\s+vcpus\s+ram$/);
    expect(out[2]).toMatch(/^1\s+m1\.tiny\s+1\s+512$/);
  });

  it('leaves anything else to inspect (numbers, strings, nested objects, empty lists)', () => {
    expect(formatResult(42)).toBe('42');
    expect(formatResult('text')).toBe("'text'");
    expect(formatResult([])).toBe('[]');
    expect(formatResult({ a: { b: 1 } })).toBe('{ a: { b: 1 } }');
    expect(formatResult([1, 2])).toBe('[ 1, 2 ]');
  });

  it('cuts the widest column so a table fits the terminal', () => {
    const table = renderTable(['name', 'note'], [['a', 'x'.repeat(100)]], 40);
    for (const line of lines(table)) expect([...line].length).toBeLessThanOrEqual(40);
    expect(lines(table)[2]).toMatch(/^a\s+x+…$/);
  });
});

describe('errorLine', () => {
  it("prints the lesson's own errors as their sentence", () => {
    expect(
      errorLine(
        new CloudError('The quota of the local cloud does not allow it: 1 instances but only 0 are left.'),
      ),
    ).toBe('error: The quota of the local cloud does not allow it: 1 instances but only 0 are left.');
  });

  it('prints a mistake in the input with its kind, from another realm too, in one line', () => {
    const typeError = vm.runInNewContext('try { null.x } catch (e) { e }');
    expect(errorLine(typeError)).toBe("TypeError: Cannot read properties of null (reading 'x')");
    expect(errorLine(new Error('first\n  second'))).toBe('Error: first second');
  });

  it('suggests the name meant: a method of what the prompt holds, or a preloaded name', () => {
    const context = { conn: { listNodes() {}, listImages() {} }, steps: {} };
    expect(errorLine(new TypeError('conn.listNode is not a function'), context)).toBe(
      'TypeError: conn.listNode is not a function (did you mean conn.listNodes?)',
    );
    expect(errorLine(new ReferenceError('con is not defined'), context)).toBe(
      'ReferenceError: con is not defined (did you mean conn?)',
    );
    expect(errorLine(new ReferenceError('zebra is not defined'), context)).toBe(
      'ReferenceError: zebra is not defined (.help lists what the prompt holds)',
    );
  });

  it('prints a rejection with something other than an Error as that value', () => {
    expect(errorLine('nope')).toBe("error: the input was rejected with 'nope'");
    expect(errorLine({ code: 3 })).toBe('error: the input was rejected with { code: 3 }');
  });

  it('cuts a very long message', () => {
    expect(errorLine(new Error('x'.repeat(1000))).length).toBeLessThan(420);
  });
});

describe('completeMember', () => {
  class Connection {
    label = 'the local cloud';
    listNodes() {}
    listImages() {}
    exListSecurityGroups() {}
  }
  const context = { conn: new Connection(), lab: { load() {}, instruments: { nodeMeter() {} } } };

  it('completes `conn.li` from the methods on the prototype', () => {
    expect(completeMember('await conn.li', context)).toEqual([
      ['conn.listImages', 'conn.listNodes'],
      'conn.li',
    ]);
    expect(completeMember('conn.listN', context)).toEqual([['conn.listNodes'], 'conn.listN']);
  });

  it('completes own properties and nested paths', () => {
    expect(completeMember('conn.la', context)).toEqual([['conn.label'], 'conn.la']);
    expect(completeMember('lab.instruments.node', context)).toEqual([
      ['lab.instruments.nodeMeter'],
      'lab.instruments.node',
    ]);
  });

  it("lists no Object.prototype methods, the prompt's own realm's included", () => {
    const fromPrompt = vm.runInNewContext('({ made: 1, mine() {} })');
    expect(completeMember('x.', { x: fromPrompt })).toEqual([['x.made', 'x.mine'], 'x.']);
  });

  it("leaves what is not a member of the prompt's names to Node's completer", () => {
    expect(completeMember('con', context)).toBeUndefined();
    expect(completeMember('other.x', context)).toBeUndefined();
  });
});
