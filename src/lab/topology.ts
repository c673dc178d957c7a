// The lesson's two topologies, built the way a learner builds them — by running the lesson's own
// steps with the step runner (src/lesson) — and then read back from the cloud: which nodes, their
// flavors and vCPUs, what runs on each, and the faafo API's URL on each API node's floating IP.
// "Before" is what the guide's previous section left (the prelude: app-controller with the API, the
// database and the messaging, and app-worker-1); "after" is steps 1–6 (app-services, app-api-1/2,
// app-worker-1…3). The lab measures both with the same procedure, so the figures differ only by the
// topology; the tutor shows them side by side.
import { LESSON_SERVERS } from '../../steps/lesson.ts';
import type { Connection } from '../cloud/driver.ts';
import type { Node, Size } from '../cloud/models.ts';
import type { StepEvent } from '../lesson/events.ts';
import { type RunStepOptions, runStepEvents } from '../lesson/run-step.ts';
import { UserError } from '../shared/user-error.ts';

export type TopologyName = 'one-worker' | 'scaled-out';

export interface TopologyPlan {
  /** As the classroom says it. */
  label: string;
  /** The lesson's steps that build it, in order. */
  steps: readonly string[];
  /** The API nodes the load is sent to, on their floating IPs. */
  api: readonly string[];
  workers: readonly string[];
}

export const TOPOLOGIES: Record<TopologyName, TopologyPlan> = {
  'one-worker': {
    label: "before: the previous section's app (app-controller and one worker)",
    steps: ['prelude'],
    api: ['app-controller'],
    workers: ['app-worker-1'],
  },
  'scaled-out': {
    label: 'after: steps 1–6 (app-services, two API nodes, three workers)',
    steps: ['1', '2', '3', '4', '5', '6'],
    api: ['app-api-1', 'app-api-2'],
    workers: ['app-worker-1', 'app-worker-2', 'app-worker-3'],
  },
};

/** What runs on a node of the lesson, by its security group (the guide's installer roles). */
const ROLES_BY_GROUP: Record<string, readonly string[]> = {
  control: ['api', 'database', 'messaging'],
  api: ['api'],
  worker: ['worker'],
  services: ['database', 'messaging'],
};

export interface TopologyNode {
  node: Node;
  flavor: string;
  vcpus?: number;
  ramMb?: number;
  roles: string[];
}

export interface LabTopology {
  name: TopologyName;
  label: string;
  /** The cloud connection's label ("the local cloud", a clouds.yaml name). */
  cloud: string;
  nodes: TopologyNode[];
  apiNodes: Node[];
  workerNodes: Node[];
  /** The faafo API on each API node's floating IP (the guide's http://IP_API_1/), in `api` order. */
  apiEndpoints: string[];
  /** Those floating IPs: the only addresses off this machine the lab may send load to. */
  floatingIps: string[];
}

export interface BuildOptions {
  /** How the steps reach the cloud (env with OS_* or a clouds.yaml name, a fallback, pollMs, flavor). */
  run: RunStepOptions;
  /** Every step event, for a printer, the tutor or a log. */
  onEvent?: (event: StepEvent) => void;
}

/** Runs the topology's steps in order; the first failed step ends it with a UserError giving its reason. */
export async function buildTopology(name: TopologyName, options: BuildOptions): Promise<void> {
  for (const step of TOPOLOGIES[name].steps) {
    const end = await runStepEvents(step, options.run, options.onEvent ?? (() => {}));
    if (end.type === 'failed') {
      throw new UserError(`Building the ${name} topology stopped at ${end.step?.id ?? step}: ${end.reason}`);
    }
  }
}

/** The topology as the cloud has it now; a node the plan needs that is missing or not up is a UserError. */
export async function describeTopology(conn: Connection, name: TopologyName): Promise<LabTopology> {
  const plan = TOPOLOGIES[name];
  const [nodes, sizes] = await Promise.all([conn.listNodes(), conn.listSizes()]);
  const lesson = nodes.filter((n) => LESSON_SERVERS.includes(n.name));
  const named = (wanted: string): Node => {
    const node = lesson.find((n) => n.name === wanted);
    if (node?.state === 'running') return node;
    const steps = plan.steps.map((s) => (s === 'prelude' ? s : `step ${s}`)).join(', ');
    throw new UserError(
      `The ${name} topology needs ${wanted} running, but it is ${node ? node.status : 'missing'}; build it again (${steps}).`,
    );
  };
  const apiNodes = plan.api.map(named);
  const workerNodes = plan.workers.map(named);
  const floatingIps = apiNodes.map((node) => {
    const address = node.floatingIps[0];
    if (!address) {
      throw new UserError(`${node.name} has no floating IP; run ${plan.steps.at(-1)} again to attach one.`);
    }
    return address;
  });
  return {
    name,
    label: plan.label,
    cloud: conn.label,
    nodes: lesson.map((node) => describeNode(node, sizes)),
    apiNodes,
    workerNodes,
    apiEndpoints: apiNodes.map((node, i) => conn.serviceUrl(node, floatingIps[i]!, 80)),
    floatingIps,
  };
}

function describeNode(node: Node, sizes: Size[]): TopologyNode {
  const size = sizes.find((s) => s.id === node.flavorId);
  // Nova names a server's groups; the lesson's group says what the node runs.
  const roles = [...new Set(node.securityGroups.flatMap((g) => ROLES_BY_GROUP[g] ?? []))].sort();
  return {
    node,
    flavor: size?.name ?? node.flavorId ?? 'unknown',
    ...(size ? { vcpus: size.vcpus, ramMb: size.ram } : {}),
    roles,
  };
}
