// The lesson as data: each step's file, what it creates, what the cloud must look like after it,
// and what to do when it does not. The tutor, the notebooks, `faafo-tutor step N` and the tests
// all read this one list.
import type { Check, Expectation, GroupSpec, NodeSpec } from '../src/cloud/verify.ts';
import { FaafoClient } from '../src/faafo/cli/client.ts';
import { type Connection, findNode, type StepContext } from './lesson-context.ts';

export type StepId = 'prelude' | 'step-1' | 'step-2' | 'step-3' | 'step-4' | 'step-5' | 'step-6' | 'step-7';

export interface LessonStep {
  id: StepId;
  title: string;
  /** The file a student reads, relative to the package root. */
  file: string;
  run: () => Promise<{ default: (conn: Connection, context: StepContext) => Promise<void> }>;
  /** The servers it creates (for the quota check before it starts). */
  creates: string[];
  /** The cloud after the step. */
  expect: Expectation;
  /** Checks beyond the cloud's resources (the app itself). */
  checks?: (conn: Connection) => Promise<Check[]>;
  /** What to do when a check fails. */
  hint: string;
}

const tcp = (port: number, source?: string) => ({
  protocol: 'tcp',
  from: port,
  to: port,
  ...(source ? { source } : {}),
});

/** The guide's security groups (step 2) and the previous section's (prelude). */
export const GROUPS = {
  api: { name: 'api', rules: [tcp(80), tcp(22)] },
  worker: { name: 'worker', rules: [tcp(22)] },
  control: { name: 'control', rules: [tcp(22), tcp(80), tcp(5672, 'worker')] },
  services: {
    name: 'services',
    rules: [tcp(22), tcp(3306, 'api'), tcp(5672, 'worker'), tcp(5672, 'api')],
  },
} satisfies Record<string, GroupSpec>;

const node = (name: string, group: string, floatingIp = false): NodeSpec => ({
  name,
  groups: [group],
  ...(floatingIp ? { floatingIp } : {}),
});

export const NODES = {
  controller: node('app-controller', 'control', true),
  services: node('app-services', 'services'),
  api1: node('app-api-1', 'api', true),
  api2: node('app-api-2', 'api', true),
  worker1: node('app-worker-1', 'worker'),
  worker2: node('app-worker-2', 'worker'),
  worker3: node('app-worker-3', 'worker'),
};

/** Every server the lesson makes (the prelude's and the scaled-out app's). */
export const LESSON_SERVERS: readonly string[] = Object.values(NODES).map((n) => n.name);

const SCALED_OUT = [NODES.services, NODES.api1, NODES.api2, NODES.worker1, NODES.worker2, NODES.worker3];

export const LESSON: LessonStep[] = [
  {
    id: 'prelude',
    title: "The previous section's app: app-controller and app-worker-1",
    file: 'steps/prelude.ts',
    run: () => import('./prelude.ts'),
    creates: ['app-controller', 'app-worker-1'],
    expect: {
      groups: [GROUPS.worker, GROUPS.control],
      nodes: [NODES.controller, { ...NODES.worker1 }],
    },
    hint: 'Run the prelude again: it keeps what is there and makes what is missing.',
  },
  {
    id: 'step-1',
    title: 'Remove the old instances and security groups',
    file: 'steps/step-1.ts',
    run: () => import('./step-1.ts'),
    creates: [],
    expect: {
      nodesAbsent: ['app-controller', 'app-worker-1', 'app-worker-2', 'all-in-one'],
      groupsAbsent: ['control', 'worker', 'api', 'services'],
    },
    hint: 'Run step 1 again; if a group stays "in use", some other server still uses it: `openstack server list`.',
  },
  {
    id: 'step-2',
    title: 'Security groups for the new topology',
    file: 'steps/step-2.ts',
    run: () => import('./step-2.ts'),
    creates: [],
    expect: { groups: [GROUPS.api, GROUPS.worker, GROUPS.control, GROUPS.services] },
    hint: "Run step 1, then step 2 again, so every group has exactly the guide's rules.",
  },
  {
    id: 'step-3',
    title: 'getFloatingIp: reuse a free floating IP, or allocate one',
    file: 'steps/step-3.ts',
    run: () => import('./step-3.ts'),
    creates: [],
    expect: {},
    checks: async (conn) => {
      const pools = await conn.exListFloatingIpPools();
      return [
        {
          ok: pools.length > 0,
          label: `getFloatingIp can allocate from a pool${pools[0] ? ` (${pools[0].name})` : ''}`,
          ...(pools.length > 0 ? {} : { detail: 'the cloud has no floating IP pool' }),
        },
      ];
    },
    hint: "Step 3 only defines a function; step 5 uses it. Without a pool, ask your cloud's administrator for an external network.",
  },
  {
    id: 'step-4',
    title: 'app-services: the shared database and message queue',
    file: 'steps/step-4.ts',
    run: () => import('./step-4.ts'),
    creates: ['app-services'],
    expect: { nodes: [NODES.services] },
    hint: "Read app-services' console (`openstack console log show app-services`), then run step 4 again.",
  },
  {
    id: 'step-5',
    title: 'Two API servers with floating IPs',
    file: 'steps/step-5.ts',
    run: () => import('./step-5.ts'),
    creates: ['app-api-1', 'app-api-2'],
    expect: { nodes: [NODES.services, NODES.api1, NODES.api2] },
    hint: 'Run step 5 again: it keeps the servers that are up and attaches the missing floating IPs.',
  },
  {
    id: 'step-6',
    title: 'Three workers',
    file: 'steps/step-6.ts',
    run: () => import('./step-6.ts'),
    creates: ['app-worker-1', 'app-worker-2', 'app-worker-3'],
    expect: { nodes: SCALED_OUT },
    hint: 'Run step 6 again: it keeps the workers that are up and replaces one in ERROR.',
  },
  {
    id: 'step-7',
    title: 'Try it: fractals from many workers, and a worker and an API server lost',
    file: 'steps/step-7.ts',
    run: () => import('./step-7.ts'),
    creates: [],
    expect: { nodes: SCALED_OUT },
    checks: async (conn) => {
      const api1 = await findNode(conn, 'app-api-1', 'step 5');
      const address = api1.floatingIps[0];
      if (!address) return [{ ok: false, label: 'app-api-1 answers', detail: 'it has no floating IP' }];
      const fractals = await new FaafoClient(conn.serviceUrl(api1, address, 80)).listAll();
      const workers = [...new Set(fractals.flatMap((f) => (f.generated_by ? [f.generated_by] : [])))].sort();
      return [
        {
          ok: workers.length > 1,
          label: `fractals drawn by more than one worker (${workers.join(', ') || 'none'})`,
          ...(workers.length > 1 ? {} : { detail: `${fractals.length} fractal(s) in the app` }),
        },
      ];
    },
    hint: 'Run step 6 again if a worker is missing, step 5 if an API server is.',
  },
];

/** "5", "step-5", "step5", "prelude" → the step; undefined if there is none. */
export function findStep(name: string): LessonStep | undefined {
  const id = /^\d+$/.test(name) ? `step-${name}` : name.replace(/^step(\d)$/, 'step-$1');
  return LESSON.find((s) => s.id === id);
}
