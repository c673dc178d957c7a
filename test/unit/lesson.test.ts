// The lesson as data (steps/lesson.ts) and the step files against the guide. The guide's own code
// is test/fixtures/guide/scaling_out.py (the "Scaling out" section, step-1 to step-6, as the guide
// prints it); the expectations below are derived from it, so a step file or a manifest entry that
// drifts from the guide fails here. Also: findStep, the quota arithmetic, and the checks that say
// whether a cloud looks as a step should have left it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../src/cloud/driver.ts';
import { CloudError } from '../../src/cloud/errors.ts';
import type { FloatingIp, Limits, Node, SecurityGroup, Size } from '../../src/cloud/models.ts';
import { checkGroups, checkNodes, type GroupSpec, type RuleSpec } from '../../src/cloud/verify.ts';
import { checkQuota, shortfall } from '../../src/lesson/choose.ts';
import { EXIT_USAGE, runStep } from '../../src/lesson/run-step.ts';
import { findStep, GROUPS, LESSON, NODES } from '../../steps/lesson.ts';
import step1 from '../../steps/step-1.ts';
import { getFloatingIp } from '../../steps/step-3.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

// ---------------------------------------------------------------------------------------------
// The guide, read from its code.

const GUIDE = read('test/fixtures/guide/scaling_out.py');

/** The guide's code of one step: from `# step-N` to the next comment line at the start of a line. */
function guideStep(n: number): string {
  const start = GUIDE.indexOf(`# step-${n}\n`);
  if (start < 0) throw new Error(`the guide has no step-${n}`);
  const rest = GUIDE.slice(start + `# step-${n}\n`.length);
  const end = rest.search(/^# /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Python's snake_case → the TypeScript steps' camelCase (api_1_ip → api1Ip). */
const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Source text without white space or trailing commas, so formatting does not matter. */
const squeeze = (text: string) => text.replace(/\s+/g, '').replace(/,([)}\]])/g, '$1');

interface GuideGroup {
  variable: string;
  name: string;
  description: string;
  rules: RuleSpec[];
}

/** step-2's groups: `x_group = conn.ex_create_security_group(…)` and its rule calls, in order. */
function guideGroups(): GuideGroup[] {
  const code = guideStep(2);
  const groups: GuideGroup[] = [];
  for (const m of code.matchAll(/^(\w+) = conn\.ex_create_security_group\('([^']+)', '([^']+)'\)$/gm)) {
    groups.push({ variable: m[1]!, name: m[2]!, description: m[3]!, rules: [] });
  }
  const byVariable = (v: string) => {
    const g = groups.find((x) => x.variable === v);
    if (!g) throw new Error(`the guide's step-2 uses ${v} before creating it`);
    return g;
  };
  for (const m of code.matchAll(
    /^conn\.ex_create_security_group_rule\((\w+), '(\w+)', (\d+), (\d+)(?:, source_security_group=(\w+))?\)$/gm,
  )) {
    byVariable(m[1]!).rules.push({
      protocol: m[2]!.toLowerCase(),
      from: Number(m[3]),
      to: Number(m[4]),
      ...(m[5] ? { source: byVariable(m[5]).name } : {}),
    });
  }
  return groups;
}

interface GuideNode {
  variable: string;
  name: string;
  keyName: string;
  groupVariables: string[];
}

/** `x = conn.create_node(name='…', …, ex_keyname='…', ex_security_groups=[…])` in a step. */
function guideNodes(code: string): GuideNode[] {
  return [...code.matchAll(/^(\w+) = conn\.create_node\(([^)]*)\)/gm)].map((m) => {
    const args = m[2]!;
    return {
      variable: m[1]!,
      name: /name='([^']+)'/.exec(args)![1]!,
      keyName: /ex_keyname='([^']+)'/.exec(args)![1]!,
      groupVariables: /ex_security_groups=\[([^\]]*)\]/.exec(args)![1]!.split(/,\s*/),
    };
  });
}

/** The installer's options in a step's userdata, one entry per line, placeholders as `${camelName}`. */
function guideInstallerArgs(code: string): string[] {
  const m = /\| bash -s -- \\\n([\s\S]*?)\n'''/.exec(code);
  if (!m) throw new Error('no installer call in this step of the guide');
  return m[1]!
    .split('\n')
    .map((line) => line.trim().replace(/\s*\\$/, ''))
    .map((line) => line.replace(/%\((\w+)\)s/g, (_, v: string) => `\${${camel(v)}}`));
}

/** The same, from a step file's userdata template. */
function stepInstallerArgs(source: string): string[] {
  const m = /curl -L -s \$\{INSTALLER_URL\} \| bash -s -- \\\\\n([\s\S]*?)\n`/.exec(source);
  if (!m) throw new Error('no installer call in this step file');
  return m[1]!.split('\n').map((line) => line.trim().replace(/\s*\\\\$/, ''));
}

interface StepNode {
  variable: string;
  name: string;
  keyName: string | undefined;
  groupVariables: string[];
}

/** `const|let x = await conn.createNode({ name: '…', …, exSecurityGroups: […] })` in a step file. */
function stepNodes(source: string): StepNode[] {
  return [...source.matchAll(/(?:const|let) (\w+) = await conn\.createNode\(\{([\s\S]*?)\}\);/g)].map((m) => {
    const args = m[2]!;
    return {
      variable: m[1]!,
      name: /name: '([^']+)'/.exec(args)![1]!,
      keyName: /exKeyname: '([^']+)'/.exec(args)?.[1],
      groupVariables: (/exSecurityGroups: \[([^\]]*)\]/.exec(args)?.[1] ?? '').split(/,\s*/).filter(Boolean),
    };
  });
}

/** The groups and rules a step file creates, as the manifest's GroupSpecs (source groups by name). */
function stepGroups(source: string): GroupSpec[] {
  const code = squeeze(source);
  const names = new Map<string, string>();
  for (const m of code.matchAll(/const(\w+)=awaitconn\.exCreateSecurityGroup\('([^']+)'/g)) {
    names.set(m[1]!, m[2]!);
  }
  const groups = new Map([...names.values()].map((n) => [n, [] as RuleSpec[]]));
  for (const m of code.matchAll(
    /awaitconn\.exCreateSecurityGroupRule\((\w+),'(\w+)',(\d+),(\d+)(?:,\{sourceSecurityGroup:(\w+)\})?\)/g,
  )) {
    const source = m[5] ? names.get(m[5]) : undefined;
    groups.get(names.get(m[1]!)!)!.push({
      protocol: m[2]!.toLowerCase(),
      from: Number(m[3]),
      to: Number(m[4]),
      ...(source ? { source } : {}),
    });
  }
  return [...groups].map(([name, rules]) => ({ name, rules }));
}

const sortRules = (rules: RuleSpec[]) =>
  [...rules].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

// ---------------------------------------------------------------------------------------------

/** The servers of the scaled-out app, in the order steps 4-6 make them. */
const SCALED_OUT = ['app-services', 'app-api-1', 'app-api-2', 'app-worker-1', 'app-worker-2', 'app-worker-3'];

describe('the manifest', () => {
  it('has the prelude and step-1 … step-7, once each, in order', () => {
    expect(LESSON.map((s) => s.id)).toEqual([
      'prelude',
      'step-1',
      'step-2',
      'step-3',
      'step-4',
      'step-5',
      'step-6',
      'step-7',
    ]);
    expect(new Set(LESSON.map((s) => s.id)).size).toBe(LESSON.length);
  });

  it.each(LESSON.map((s) => [s.id, s] as const))(
    '%s: its file exists and is the module it runs',
    async (_, step) => {
      expect(existsSync(join(ROOT, step.file))).toBe(true);
      const loaded = await step.run();
      expect(typeof loaded.default).toBe('function');
      // The very module that `run` imports is the file a student reads.
      expect(loaded).toBe(await import(pathToFileURL(join(ROOT, step.file)).href));
    },
  );

  it('every run() imports its own file (the import path in steps/lesson.ts names the same file)', () => {
    const source = read('steps/lesson.ts');
    const pairs = [...source.matchAll(/file: '([^']+)',\s*run: \(\) => import\('([^']+)'\)/g)].map((m) => [
      m[1],
      join('steps', m[2]!),
    ]);
    expect(pairs.map(([file]) => file)).toEqual(LESSON.map((s) => s.file));
    for (const [file, imported] of pairs) expect(imported).toBe(file);
  });

  it.each(LESSON.map((s) => [s.id, s] as const))('%s: a hint, a title, and something to check', (_, step) => {
    expect(step.hint.trim().length).toBeGreaterThan(10);
    expect(step.title.trim()).not.toBe('');
    const expected = Object.values(step.expect).some((list) => Array.isArray(list) && list.length > 0);
    expect(expected || typeof step.checks === 'function').toBe(true);
  });

  it('GROUPS are the guide’s step-2 groups with exactly its rules', () => {
    const guide = guideGroups();
    expect(guide.map((g) => g.name)).toEqual(['api', 'worker', 'control', 'services']);
    for (const g of guide) {
      const spec = Object.values(GROUPS).find((s) => s.name === g.name);
      expect(spec, g.name).toBeDefined();
      expect(sortRules(spec!.rules)).toEqual(sortRules(g.rules));
    }
    expect(
      Object.values(GROUPS)
        .map((g) => g.name)
        .sort(),
    ).toEqual(guide.map((g) => g.name).sort());
  });

  it('GROUPS, spelled out as the guide says them', () => {
    const tcp = (from: number, source?: string) => ({
      protocol: 'tcp',
      from,
      to: from,
      ...(source ? { source } : {}),
    });
    expect(sortRules(GROUPS.api.rules)).toEqual(sortRules([tcp(80), tcp(22)]));
    expect(GROUPS.worker.rules).toEqual([tcp(22)]);
    expect(sortRules(GROUPS.control.rules)).toEqual(sortRules([tcp(22), tcp(80), tcp(5672, 'worker')]));
    expect(sortRules(GROUPS.services.rules)).toEqual(
      sortRules([tcp(22), tcp(3306, 'api'), tcp(5672, 'worker'), tcp(5672, 'api')]),
    );
  });

  it('NODES are in the guide’s security groups; the API servers get floating IPs (step 5)', () => {
    const groupOf = new Map(guideGroups().map((g) => [g.variable, g.name]));
    const guide = [4, 5, 6].flatMap((n) => guideNodes(guideStep(n)));
    expect(guide.map((n) => n.name)).toEqual(SCALED_OUT);
    for (const g of guide) {
      const spec = Object.values(NODES).find((n) => n.name === g.name);
      expect(spec, g.name).toBeDefined();
      expect(spec!.groups).toEqual(g.groupVariables.map((v) => groupOf.get(v)));
    }
    // step-5: `for instance in [instance_api_1, instance_api_2]: … ex_attach_floating_ip_to_node`.
    const withFloating = Object.values(NODES)
      .filter((n) => n.floatingIp)
      .map((n) => n.name);
    expect(withFloating).toEqual(['app-controller', 'app-api-1', 'app-api-2']);
    expect(guideStep(5)).toMatch(/for instance in \[instance_api_1, instance_api_2\]:/);
  });

  it.each(LESSON.map((s) => [s.id, s] as const))(
    '%s: `creates` names exactly the servers its file creates',
    (_, step) => {
      expect(stepNodes(read(step.file)).map((n) => n.name)).toEqual(step.creates);
    },
  );

  it.each(LESSON.filter((s) => s.expect.groups).map((s) => [s.id, s] as const))(
    '%s: its file creates exactly the groups and rules its expectation checks',
    (_, step) => {
      const made = stepGroups(read(step.file));
      const expected = step.expect.groups ?? [];
      expect(made.map((g) => g.name).sort()).toEqual(expected.map((g) => g.name).sort());
      for (const g of made) {
        expect(sortRules(g.rules), g.name).toEqual(sortRules(expected.find((e) => e.name === g.name)!.rules));
      }
    },
  );

  it('step-1 expects the guide’s servers and groups gone', () => {
    const step = findStep('1')!;
    expect(step.expect.nodesAbsent).toEqual(
      expect.arrayContaining(['all-in-one', 'app-worker-1', 'app-worker-2', 'app-controller']),
    );
    expect([...(step.expect.groupsAbsent ?? [])].sort()).toEqual(['api', 'control', 'services', 'worker']);
  });

  it('step-2 expects all four groups; steps 4-6 the servers made so far', () => {
    expect(findStep('2')!.expect.groups?.map((g) => g.name)).toEqual([
      'api',
      'worker',
      'control',
      'services',
    ]);
    expect(findStep('4')!.expect.nodes?.map((n) => n.name)).toEqual(['app-services']);
    expect(findStep('5')!.expect.nodes?.map((n) => n.name)).toEqual([
      'app-services',
      'app-api-1',
      'app-api-2',
    ]);
    expect(findStep('6')!.expect.nodes?.map((n) => n.name)).toEqual(SCALED_OUT);
  });
});

describe('findStep', () => {
  it.each([
    ['5', 'step-5'],
    ['step5', 'step-5'],
    ['step-5', 'step-5'],
    ['1', 'step-1'],
    ['7', 'step-7'],
    ['prelude', 'prelude'],
  ])('%s → %s', (name, id) => {
    expect(findStep(name)?.id).toBe(id);
  });

  it.each(['9', '0', 'step-9', 'step9', '05', 'Step-5', 'step 5', '', 'prelude2'])('%j → none', (name) => {
    expect(findStep(name)).toBeUndefined();
  });

  it('runStep with an unknown step exits 2 and lists the steps, before touching any cloud', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runStep(
      '9',
      { env: { OS_AUTH_URL: 'http://127.0.0.1:1/v3' } },
      { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } },
    );
    expect(code).toBe(EXIT_USAGE);
    expect(out).toEqual([]);
    expect(err.join('')).toBe(
      "faafo-tutor: there is no step '9'; the steps are: prelude, step-1, step-2, step-3, step-4, step-5, step-6, step-7.\n",
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('the step files mirror the guide', () => {
  const groupOf = () => new Map(guideGroups().map((g) => [g.variable, g.name]));

  it('step-1 destroys the guide’s four servers and deletes its four groups', () => {
    const source = squeeze(read('steps/step-1.ts'));
    const guide = guideStep(1);
    const [servers, groups] = [...guide.matchAll(/in (\[[^\]]+\]):/g)].map((m) => m[1]!);
    expect(servers).toBe("['all-in-one','app-worker-1', 'app-worker-2', 'app-controller']");
    expect(groups).toBe("['control', 'worker', 'api', 'services']");
    expect(source).toContain(squeeze(servers!));
    expect(source).toContain(squeeze(groups!));
    expect(source).toContain(squeeze('await conn.destroyNode(instance)'));
    expect(source).toContain(squeeze('await conn.exDeleteSecurityGroup(group)'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the step file's own template text
    expect(source).toContain(squeeze('console.log(`Destroying Instance: ${instance.name}`)'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the step file's own template text
    expect(source).toContain(squeeze('console.log(`Deleting security group: ${group.name}`)'));
  });

  it('step-2 makes each of the guide’s groups and rules, in the guide’s order', () => {
    const raw = read('steps/step-2.ts');
    expect(raw).toContain("exCreateSecurityGroup('api', 'for API services only')");
    const source = squeeze(raw);
    let at = -1;
    const calls = guideStep(2)
      .split('\n')
      .filter((l) => l.startsWith('conn.') || / = conn\./.test(l));
    // Four groups and ten rules.
    expect(calls).toHaveLength(14);
    for (const line of calls) {
      const ts = line
        .replace(/^(\w+) = conn\./, 'const $1 = await conn.')
        .replace(/^conn\./, 'await conn.')
        .replace(/, source_security_group=(\w+)\)$/, ', { sourceSecurityGroup: $1 })')
        .replace(/\b[a-z]+(?:_[a-z0-9]+)+\b/g, camel);
      const found = source.indexOf(squeeze(ts), at + 1);
      expect(found, `step-2.ts should contain ${ts} after the guide's earlier calls`).toBeGreaterThan(at);
      at = found;
    }
    // e.g. the last one, as the translation above produces it:
    expect(source).toContain(
      squeeze(
        "await conn.exCreateSecurityGroupRule(servicesGroup, 'TCP', 5672, 5672, { sourceSecurityGroup: apiGroup })",
      ),
    );
  });

  it('step-3 exports getFloatingIp, written as the guide’s get_floating_ip', () => {
    const source = squeeze(read('steps/step-3.ts'));
    expect(source).toContain(squeeze('export async function getFloatingIp(conn: Connection)'));
    expect(source).toContain(squeeze('for (const floatingIp of await conn.exListFloatingIps())'));
    expect(source).toContain(squeeze('if (!floatingIp.nodeId)'));
    expect(source).toContain(squeeze('(await conn.exListFloatingIpPools())[0]'));
    expect(source).toContain(squeeze('unusedFloatingIp = await pool.createFloatingIp()'));
  });

  it.each([4, 5, 6])('step-%i: the guide’s servers, key, groups and installer options', (n) => {
    const guide = guideStep(n);
    const raw = read(`steps/step-${n}.ts`);
    // The installer's options, line for line.
    expect(stepInstallerArgs(raw)).toEqual(guideInstallerArgs(guide));
    // The servers: same variables, names, key and security groups, in the same order.
    const expected = guideNodes(guide).map((g) => ({
      variable: camel(g.variable),
      name: g.name,
      keyName: g.keyName,
      groupVariables: g.groupVariables.map(camel),
    }));
    expect(expected).toHaveLength(n - 3);
    expect(stepNodes(raw)).toEqual(expected);
    // A group made in step 2 is looked up by the guide's name for it.
    const groups = groupOf();
    for (const variable of new Set(expected.flatMap((e) => e.groupVariables))) {
      const name = [...groups].find(([v]) => camel(v) === variable)?.[1];
      expect(squeeze(raw)).toContain(squeeze(`const ${variable} = await findSecurityGroup(conn, '${name}')`));
    }
    // `x = conn.wait_until_running([x])[0][0]` and `y_ip = x.private_ips[0]`, as the guide has them.
    let waits = 0;
    for (const m of guide.matchAll(/^(\w+) = conn\.wait_until_running\(\[(\w+)\]\)\[0\]\[0\]$/gm)) {
      expect(squeeze(raw)).toContain(
        squeeze(`${camel(m[1]!)} = (await conn.waitUntilRunning([${camel(m[2]!)}]))[0][0]`),
      );
      waits++;
    }
    // step-4 waits for app-services, step-5 for both API servers; step-6 does not wait in the guide.
    expect(waits).toBe({ 4: 1, 5: 2, 6: 0 }[n]);
    for (const m of guide.matchAll(/^(\w+) = (\w+)\.private_ips\[0\]$/gm)) {
      expect(squeeze(raw)).toContain(squeeze(`const ${camel(m[1]!)} = ${camel(m[2]!)}.privateIps[0]`));
    }
  });

  it('the addresses steps 5 and 6 take from earlier steps are those servers’ private addresses', () => {
    // In the guide, services_ip and api_1_ip are the private_ips[0] of the servers steps 4 and 5 made.
    const madeBy = new Map<string, string>();
    for (const n of [4, 5]) {
      const code = guideStep(n);
      const names = new Map(guideNodes(code).map((g) => [g.variable, g.name]));
      for (const m of code.matchAll(/^(\w+) = (\w+)\.private_ips\[0\]$/gm))
        madeBy.set(camel(m[1]!), names.get(m[2]!)!);
    }
    expect(Object.fromEntries(madeBy)).toEqual({
      servicesIp: 'app-services',
      api1Ip: 'app-api-1',
      api2Ip: 'app-api-2',
    });
    for (const n of [5, 6]) {
      const raw = read(`steps/step-${n}.ts`);
      const used = new Set(
        [
          ...stepInstallerArgs(raw)
            .join(' ')
            .matchAll(/\$\{(\w+)\}/g),
        ].map((m) => m[1]!),
      );
      const own = new Set([...raw.matchAll(/const (\w+) = \w+\.privateIps\[0\]/g)].map((m) => m[1]!));
      for (const variable of used) {
        if (own.has(variable)) continue;
        expect(squeeze(raw)).toContain(
          squeeze(`const ${variable} = (await findNode(conn, '${madeBy.get(variable)}'`),
        );
      }
    }
  });

  it('the literal lines of steps 4-6, as the guide prints them', () => {
    const step4 = read('steps/step-4.ts');
    expect(step4).toContain("name: 'app-services'");
    expect(step4).toContain('-i database -i messaging');
    const step5 = read('steps/step-5.ts');
    expect(step5).toContain("name: 'app-api-1'");
    expect(step5).toContain("name: 'app-api-2'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the step file's own template text
    expect(step5).toContain("-i faafo -r api -m 'amqp://guest:guest@${servicesIp}:5672/'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the step file's own template text
    expect(step5).toContain("-d 'mysql://faafo:password@${servicesIp}:3306/faafo'");
    expect(squeeze(step5)).toContain(squeeze('for (const instance of [instanceApi1, instanceApi2])'));
    expect(squeeze(step5)).toContain(squeeze('const floatingIp = await getFloatingIp(conn)'));
    expect(squeeze(step5)).toContain(squeeze('await conn.exAttachFloatingIpToNode(instance, floatingIp)'));
    const step6 = read('steps/step-6.ts');
    for (const name of ['app-worker-1', 'app-worker-2', 'app-worker-3'])
      expect(step6).toContain(`name: '${name}'`);
    expect(step6).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the step file's own template text
      "-i faafo -r worker -e 'http://${api1Ip}' -m 'amqp://guest:guest@${servicesIp}:5672/'",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Two steps run against a stand-in connection: what they call, not what a file says.

const node = (name: string, fields: Partial<Node> = {}): Node => ({
  id: `id-${name}`,
  name,
  state: 'running',
  status: 'ACTIVE',
  privateIps: ['10.0.0.5'],
  publicIps: ['127.3.1.5'],
  floatingIps: [],
  securityGroups: [],
  metadata: {},
  ...fields,
});

const group = (name: string, rules: SecurityGroup['rules'] = []): SecurityGroup => ({
  id: `sg-${name}`,
  name,
  description: '',
  rules,
});

describe('step-1 and getFloatingIp, run', () => {
  beforeEach(() => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('step-1 destroys the lesson’s servers, waits for them to go, then deletes the four groups', async () => {
    const calls: string[] = [];
    const names = [
      'all-in-one',
      'app-controller',
      'app-worker-1',
      'app-api-1',
      'my-own-server',
      'app-worker-2',
    ];
    const conn = {
      listNodes: async () => names.map((n) => node(n)),
      destroyNode: async (n: Node) => calls.push(`destroy ${n.name}`),
      waitUntilGone: async (nodes: Node[]) => calls.push(`wait ${nodes.map((n) => n.name).join(',')}`),
      exListSecurityGroups: async () =>
        ['default', 'control', 'worker', 'api', 'services', 'mine'].map((g) => group(g)),
      exDeleteSecurityGroup: async (g: SecurityGroup) => calls.push(`delete ${g.name}`),
    } as unknown as Connection;
    await step1(conn);
    expect(calls).toEqual([
      'destroy all-in-one',
      'destroy app-controller',
      'destroy app-worker-1',
      'destroy app-api-1',
      'destroy app-worker-2',
      'wait all-in-one,app-controller,app-worker-1,app-api-1,app-worker-2',
      'delete control',
      'delete worker',
      'delete api',
      'delete services',
    ]);
  });

  const fip = (id: string, nodeId: string | null): FloatingIp => ({
    id,
    ipAddress: `127.3.2.${id}`,
    nodeId,
    pool: 'public',
  });

  it('getFloatingIp reuses the first unattached floating IP and allocates nothing', async () => {
    const allocate = vi.fn();
    const conn = {
      exListFloatingIps: async () => [fip('1', 'id-app-api-1'), fip('2', null), fip('3', null)],
      exListFloatingIpPools: async () => [{ name: 'public', createFloatingIp: allocate }],
    } as unknown as Connection;
    expect(await getFloatingIp(conn)).toEqual(fip('2', null));
    expect(allocate).not.toHaveBeenCalled();
  });

  it('getFloatingIp allocates from the first pool when every floating IP is in use', async () => {
    const fresh = fip('9', null);
    const fromSecond = vi.fn();
    const conn = {
      exListFloatingIps: async () => [fip('1', 'id-app-api-1')],
      exListFloatingIpPools: async () => [
        { name: 'public', createFloatingIp: async () => fresh },
        { name: 'other', createFloatingIp: fromSecond },
      ],
    } as unknown as Connection;
    expect(await getFloatingIp(conn)).toBe(fresh);
    expect(fromSecond).not.toHaveBeenCalled();
  });

  it('getFloatingIp without any pool says so', async () => {
    const conn = {
      exListFloatingIps: async () => [],
      exListFloatingIpPools: async () => [],
    } as unknown as Connection;
    await expect(getFloatingIp(conn)).rejects.toThrow(/no floating IP pool/);
  });
});

// ---------------------------------------------------------------------------------------------

const limits = (instances: [number, number], cores: [number, number], ram: [number, number]): Limits => ({
  instances: { limit: instances[0], used: instances[1] },
  cores: { limit: cores[0], used: cores[1] },
  ram: { limit: ram[0], used: ram[1] },
});
const SMALL: Size = { id: '2', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 };
const LARGE: Size = { id: '4', name: 'm1.large', vcpus: 4, ram: 8192, disk: 80 };

describe('shortfall', () => {
  const devstack = limits([10, 4], [20, 4], [51200, 8192]);

  it('nothing lacks when the quota holds exactly what is asked', () => {
    expect(shortfall(devstack, 6, SMALL)).toEqual([]);
    expect(shortfall(devstack, 0, LARGE)).toEqual([]);
  });

  it('one instance too many', () => {
    expect(shortfall(devstack, 7, SMALL)).toEqual(['7 instances but only 6 are left']);
  });

  it('vCPUs and RAM count the flavor times the servers', () => {
    // 5 × m1.large: 20 vCPUs of 16 left, 40960 MB of 43008 left, 5 of 6 instances.
    expect(shortfall(devstack, 5, LARGE)).toEqual(['20 vCPUs but only 16 are left']);
    // 6 × m1.large: all three.
    expect(shortfall(devstack, 6, LARGE)).toEqual([
      '24 vCPUs but only 16 are left',
      '49152 MB RAM but only 43008 MB are left',
    ]);
    expect(shortfall(limits([10, 0], [100, 0], [4096, 0]), 3, SMALL)).toEqual([
      '6144 MB RAM but only 4096 MB are left',
    ]);
  });

  it('-1 is unlimited, whatever is used', () => {
    expect(shortfall(limits([-1, 50], [-1, 400], [-1, 1_000_000]), 100, LARGE)).toEqual([]);
    expect(shortfall(limits([-1, 50], [8, 0], [-1, 0]), 3, LARGE)).toEqual(['12 vCPUs but only 8 are left']);
  });

  it('a project already over its quota has 0 left, not a negative number', () => {
    expect(shortfall(limits([10, 12], [-1, 0], [-1, 0]), 1, SMALL)).toEqual([
      '1 instances but only 0 are left',
    ]);
  });

  it('a limit of 0 allows nothing', () => {
    expect(shortfall(limits([0, 0], [-1, 0], [-1, 0]), 1, SMALL)).toEqual([
      '1 instances but only 0 are left',
    ]);
  });
});

describe('checkQuota', () => {
  const connWith = (l: Limits) => {
    const exGetLimits = vi.fn(async () => l);
    return { conn: { label: 'the local cloud', exGetLimits } as unknown as Connection, exGetLimits };
  };

  it('counts only the servers still to make (one in ERROR is made again)', async () => {
    const { conn, exGetLimits } = connWith(limits([10, 9], [-1, 0], [-1, 0]));
    const existing = [node('app-api-1'), node('app-api-2', { state: 'error', status: 'ERROR' })];
    await expect(
      checkQuota(conn, 'Step 5', ['app-api-1', 'app-api-2'], SMALL, existing),
    ).resolves.toBeUndefined();
    expect(exGetLimits).toHaveBeenCalledOnce();
  });

  it('refuses at once, naming what is missing and saying nothing was created', async () => {
    const { conn } = connWith(limits([10, 9], [-1, 0], [-1, 0]));
    const error = await checkQuota(conn, 'Step 6', ['app-worker-1', 'app-worker-2'], SMALL, []).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CloudError);
    const message = (error as CloudError).message;
    expect(message).toContain(
      'Step 6 needs 2 more server(s) of flavor m1.small (app-worker-1, app-worker-2)',
    );
    expect(message).toContain(
      'the quota of the local cloud does not allow it: 2 instances but only 1 are left',
    );
    expect(message).toContain('Nothing was created.');
    expect(message).not.toMatch(/\n/);
  });

  it('asks the cloud nothing when every server is there already', async () => {
    const { conn, exGetLimits } = connWith(limits([0, 10], [0, 0], [0, 0]));
    await checkQuota(conn, 'Step 4', ['app-services'], SMALL, [node('app-services')]);
    expect(exGetLimits).not.toHaveBeenCalled();
  });
});

// ---------------------------------------------------------------------------------------------

/** The guide's four groups as a cloud would list them: ids, source groups by id, plus `default`. */
function cloudGroups(specs: GroupSpec[]): SecurityGroup[] {
  let n = 0;
  return [
    group('default'),
    ...specs.map((spec) =>
      group(
        spec.name,
        spec.rules.map((r) => ({
          id: `rule-${++n}`,
          protocol: r.protocol,
          fromPort: r.from,
          toPort: r.to,
          cidr: r.source ? null : '0.0.0.0/0',
          sourceGroupId: r.source ? `sg-${r.source}` : null,
        })),
      ),
    ),
  ];
}

const STEP2 = findStep('2')!.expect;

describe('checkGroups', () => {
  it('the guide’s groups pass, each with its rules listed in the label', () => {
    const checks = checkGroups(cloudGroups(Object.values(GROUPS)), STEP2);
    expect(checks).toHaveLength(4);
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(checks.find((c) => c.label.startsWith('security group services'))?.label).toBe(
      'security group services: TCP 22 from 0.0.0.0/0, TCP 3306 from api, TCP 5672 from api, TCP 5672 from worker',
    );
  });

  it('a missing rule fails that group, and says what rules it has', () => {
    const groups = cloudGroups(Object.values(GROUPS));
    const services = groups.find((g) => g.name === 'services')!;
    services.rules = services.rules.filter((r) => !(r.fromPort === 5672 && r.sourceGroupId === 'sg-api'));
    const failed = checkGroups(groups, STEP2).filter((c) => !c.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.label).toMatch(/^security group services:/);
    expect(failed[0]!.detail).toBe(
      'its rules are: TCP 22 from 0.0.0.0/0, TCP 3306 from api, TCP 5672 from worker',
    );
  });

  it('an extra rule fails too (exactly the guide’s rules)', () => {
    const groups = cloudGroups(Object.values(GROUPS));
    groups
      .find((g) => g.name === 'worker')!
      .rules.push({
        id: 'extra',
        protocol: 'tcp',
        fromPort: 80,
        toPort: 80,
        cidr: '0.0.0.0/0',
        sourceGroupId: null,
      });
    const failed = checkGroups(groups, STEP2).filter((c) => !c.ok);
    expect(failed.map((c) => c.label)).toEqual(['security group worker: TCP 22 from 0.0.0.0/0']);
    expect(failed[0]!.detail).toContain('TCP 80 from 0.0.0.0/0');
  });

  it('the same port from another source is another rule', () => {
    const groups = cloudGroups(Object.values(GROUPS));
    const control = groups.find((g) => g.name === 'control')!;
    // 5672 from everyone instead of from worker.
    control.rules = control.rules.map((r) =>
      r.fromPort === 5672 ? { ...r, sourceGroupId: null, cidr: '0.0.0.0/0' } : r,
    );
    expect(
      checkGroups(groups, STEP2)
        .filter((c) => !c.ok)
        .map((c) => c.label),
    ).toEqual(['security group control: TCP 22 from 0.0.0.0/0, TCP 5672 from worker, TCP 80 from 0.0.0.0/0']);
  });

  it('two groups of one name fail, and so does a missing group', () => {
    const groups = [
      ...cloudGroups([GROUPS.api, GROUPS.worker, GROUPS.control, GROUPS.services]),
      group('api'),
    ];
    groups[groups.length - 1]!.id = 'sg-api-2';
    const checks = checkGroups(groups, STEP2);
    expect(checks.find((c) => c.label === 'security group api exists once')).toEqual({
      ok: false,
      label: 'security group api exists once',
      detail: 'there are 2 groups of that name',
    });
    const missing = checkGroups(cloudGroups([GROUPS.api]), { groups: [GROUPS.worker] });
    expect(missing).toEqual([
      { ok: false, label: 'security group worker exists once', detail: 'it is missing' },
    ]);
  });

  it('groups that should be gone', () => {
    const checks = checkGroups(cloudGroups([GROUPS.worker]), findStep('1')!.expect);
    expect(checks.filter((c) => !c.ok)).toEqual([
      { ok: false, label: 'security group worker is gone', detail: 'it is still there' },
    ]);
    expect(checks.filter((c) => c.ok)).toHaveLength(3);
  });
});

describe('checkNodes', () => {
  const STEP5 = findStep('5')!.expect;
  const healthy = () => [
    node('app-services', { securityGroups: ['services'] }),
    node('app-api-1', { securityGroups: ['api'], floatingIps: ['127.3.2.1'] }),
    node('app-api-2', { securityGroups: ['api'], floatingIps: ['127.3.2.2'] }),
  ];

  it('step 5’s servers, running in their groups with their floating IPs, pass', () => {
    const checks = checkNodes(healthy(), STEP5);
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(checks.map((c) => c.label)).toContain('server app-api-1 has a floating IP (127.3.2.1)');
    expect(checks.map((c) => c.label)).toContain('server app-services is running (10.0.0.5)');
  });

  it('a server in the wrong group', () => {
    const nodes = healthy();
    nodes[1]!.securityGroups = ['worker'];
    expect(checkNodes(nodes, STEP5).filter((c) => !c.ok)).toEqual([
      { ok: false, label: 'server app-api-1 is in security group api', detail: 'it is in worker' },
    ]);
  });

  it('an API server without its floating IP', () => {
    const nodes = healthy();
    nodes[2]!.floatingIps = [];
    expect(checkNodes(nodes, STEP5).filter((c) => !c.ok)).toEqual([
      { ok: false, label: 'server app-api-2 has a floating IP', detail: 'it has 0' },
    ]);
  });

  it('a server in ERROR, with the cloud’s fault in the detail', () => {
    const nodes = healthy();
    nodes[0] = node('app-services', {
      securityGroups: ['services'],
      state: 'error',
      status: 'ERROR',
      privateIps: [],
      fault: 'No valid host was found.',
    });
    expect(checkNodes(nodes, STEP5).filter((c) => !c.ok)).toEqual([
      {
        ok: false,
        label: 'server app-services is running (no address)',
        detail: 'it is ERROR: No valid host was found.',
      },
    ]);
  });

  it('a server still booting (BUILD, no addresses yet) is told apart from a missing one', () => {
    const nodes = healthy();
    // As Nova lists a server in BUILD: no addresses, so no floating IP either.
    nodes[1] = node('app-api-1', {
      securityGroups: ['api'],
      state: 'pending',
      status: 'BUILD',
      privateIps: [],
      floatingIps: [],
    });
    const booting = 'it is still booting (BUILD): wait a moment, then check again';
    expect(checkNodes(nodes, STEP5).filter((c) => !c.ok)).toEqual([
      { ok: false, label: 'server app-api-1 is running (no address)', detail: booting },
      { ok: false, label: 'server app-api-1 has a floating IP', detail: booting },
    ]);
    const missing = checkNodes(
      nodes.filter((n) => n.name !== 'app-api-1'),
      STEP5,
    ).filter((c) => !c.ok);
    expect(missing).toEqual([{ ok: false, label: 'server app-api-1 is running', detail: 'it is missing' }]);
  });

  it('a missing server, two of one name, and servers that should be gone', () => {
    const [services, api1] = healthy();
    const checks = checkNodes([services!, api1!, { ...api1!, id: 'other' }], STEP5);
    expect(checks.filter((c) => !c.ok)).toEqual([
      { ok: false, label: 'server app-api-1 is running', detail: 'there are 2 servers of that name' },
      { ok: false, label: 'server app-api-2 is running', detail: 'it is missing' },
    ]);
    const gone = checkNodes([node('app-controller')], findStep('1')!.expect);
    expect(gone.filter((c) => !c.ok)).toEqual([
      { ok: false, label: 'server app-controller is gone', detail: 'it is still there' },
    ]);
  });
});

describe('the version the userdata installs', () => {
  it('src/version.ts equals package.json, so the installer URL names the published package', async () => {
    const { VERSION } = await import('../../src/version.ts');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
    const { INSTALLER_URL } = await import('../../steps/lesson-context.ts');
    if (!process.env.FAAFO_INSTALLER_URL) {
      expect(INSTALLER_URL).toBe(`https://unpkg.com/faafo-tutor@${pkg.version}/contrib/install.sh`);
    }
  });
});
