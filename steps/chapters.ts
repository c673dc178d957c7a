// The tutor's lesson as data: eight chapters, each with its text (our own words), the lesson steps
// it runs (./lesson.ts), the checks it makes (each with the hint shown when it fails), the questions
// asked before a measurement, and "your turn" tasks verified from the cloud's state. The Ink tutor,
// its plain mode and the notebooks all read this file, so it imports no UI code; what a check
// measures is the engine's (tutor/engine/), what it is called and what to do when it fails is here.
import type { Connection } from '../src/cloud/driver.ts';
import type { StepId } from './lesson.ts';

export type ChapterId =
  | 'preflight'
  | 'where-we-are'
  | 'overload-worker'
  | 'overload-api'
  | 'scale-out'
  | 'measure'
  | 'hands-on'
  | 'wrap-up';

/** A check a chapter makes: its id (unique in the lesson), what it checks, what to do when it fails. */
export interface NamedCheck {
  id: string;
  label: string;
  hint: string;
}

/** A question asked before a measurement; the learner picks one choice, then sees the measurement beside it. */
export interface Prediction {
  id: string;
  question: string;
  /** The unit of the measured value, for "you said … , it was …". */
  unit: string;
  choices: readonly { label: string; value: number }[];
  /** Why a guess and the measurement usually differ: shown after the measurement. */
  why: string;
}

export interface TaskVerdict {
  ok: boolean;
  /** What the cloud showed. */
  saw: string;
}

/** Something the learner does in another terminal; the tutor then checks the cloud. Skippable. */
export interface YourTurn {
  id: string;
  task: string;
  /** The command(s) to type. */
  commands: readonly string[];
  /** Reads the cloud's state; absent when the task changes nothing the cloud can show. */
  verify?: (conn: Connection) => Promise<TaskVerdict>;
  hint: string;
}

export interface Chapter {
  number: number;
  id: ChapterId;
  title: string;
  /** Paragraphs. */
  text: readonly string[];
  /** The lesson steps it runs, in order (their files are shown as code). */
  steps: readonly StepId[];
  checks: readonly NamedCheck[];
  predictions: readonly Prediction[];
  yourTurn: readonly YourTurn[];
}

/** How big the loads are: the guide's, or workshop-sized (`--quick`). */
export interface LoadSizes {
  /** The guide's `faafo create --height 9999 --width 9999 --tasks 5`, scaled. */
  batch: { scale: number; tasks: number; seed: number };
  flood: { requests: number };
  /** The guide's `faafo create` loop run on the API node itself: invocations, and how many at once. */
  loop: { requests: number; parallel: number };
  /** The API node's 1-minute load the loop must take it above. */
  apiLoadAbove: number;
  /** The fault drill's fractals (side in pixels). */
  drill: { tasks: number; side: number };
  /** The worker's 1-minute load the overload must reach. */
  workerLoadAtLeast: number;
}

export const LOAD_SIZES: Record<'full' | 'quick', LoadSizes> = {
  // The guide's batch, made long enough (tasks) for one vCPU's load average to climb near 1.
  full: {
    batch: { scale: 1, tasks: 8, seed: 11 },
    flood: { requests: 500 },
    loop: { requests: 120, parallel: 8 },
    apiLoadAbove: 1,
    drill: { tasks: 12, side: 1500 },
    workerLoadAtLeast: 0.9,
  },
  // Half the side (a quarter of the pixels): about 40 s of work for one worker, enough for its
  // 1-minute load to pass 0.9 (its render and its PNG encoding both want its one vCPU).
  quick: {
    batch: { scale: 0.5, tasks: 20, seed: 11 },
    flood: { requests: 150 },
    loop: { requests: 16, parallel: 8 },
    apiLoadAbove: 1,
    drill: { tasks: 8, side: 1000 },
    workerLoadAtLeast: 0.9,
  },
};

const ours = (id: string, label: string, hint: string): NamedCheck => ({ id, label, hint });

const workerServer = (name: string) => async (conn: Connection) => {
  const node = (await conn.listNodes()).find((n) => n.name === name);
  if (!node) return { ok: false, saw: `there is no server ${name}` };
  const inWorker = node.securityGroups.includes('worker');
  return {
    ok: node.state === 'running' && inWorker,
    saw: `${name} is ${node.status}, groups ${node.securityGroups.join(', ') || 'none'}`,
  };
};

export const CHAPTERS: readonly Chapter[] = [
  {
    number: 1,
    id: 'preflight',
    title: 'Preflight: your machine and your cloud',
    text: [
      'Before we build anything we make sure the tools are ready: a recent Node.js, a cloud to talk to, room in its quota for the six servers the scaled-out app needs, and the key pair every server will accept for ssh.',
      'Without a cloud of your own (no --cloud, no OS_* variables) the tutor uses the local cloud, an OpenStack-compatible cloud whose servers are processes on this machine, and starts it if it is not running.',
    ],
    steps: [],
    checks: [
      ours(
        'node-version',
        'Node.js is 20.19 or newer',
        'Install Node.js 20.19 or newer (https://nodejs.org), then start the tutor again.',
      ),
      ours(
        'cloud',
        'a cloud answers and accepts the credentials',
        'Pass --cloud NAME for a cloud of your clouds.yaml, source its openrc (OS_* variables), or unset them all to use the local cloud.',
      ),
      ours(
        'quota',
        'the quota has room for the six servers of the scaled-out app',
        'Delete servers you no longer need (`openstack server list`, `openstack server delete NAME`) or ask for a larger quota (`openstack quota show`).',
      ),
      ours(
        'key-pair',
        'the lesson can log in to its servers (key pair demokey)',
        'The key pair demokey exists but its private key is not here: delete it (`openstack keypair delete demokey`) and the prelude makes a new one.',
      ),
    ],
    predictions: [],
    yourTurn: [],
  },
  {
    number: 2,
    id: 'where-we-are',
    title: 'Where we are: one controller, one worker',
    text: [
      'The previous section of the guide left the Fractals app on two servers: app-controller runs the API, the database and the message queue; app-worker-1 takes tasks from the queue and draws the fractals.',
      'Everything the app does passes through these two machines. That is fine for one user; this lesson is about what happens when it is not.',
      'The prelude builds that starting point (or keeps it if it is already there), then we ask the app for one fractal to see it work.',
    ],
    steps: ['prelude'],
    checks: [
      ours(
        'prelude',
        'the prelude built app-controller and app-worker-1',
        'Run the chapter again (r): the prelude keeps what is there and makes what is missing.',
      ),
      ours(
        'first-fractal',
        'app-worker-1 drew a fractal asked through app-controller',
        "Read app-worker-1's console (`openstack console log show app-worker-1`): the worker must reach the queue on app-controller.",
      ),
    ],
    predictions: [],
    yourTurn: [
      {
        id: 'server-list',
        task: 'In another terminal, list the servers the way an operator would, and log in to the worker to see its load.',
        commands: ['openstack server list', 'npx faafo-tutor ssh app-worker-1 -- uptime'],
        hint: 'With the local cloud, run `eval "$(npx faafo-tutor cloud env)"` first so openstack finds it.',
      },
    ],
  },
  {
    number: 3,
    id: 'overload-worker',
    title: 'Overload the worker',
    text: [
      'One worker draws one fractal at a time. Ask for a batch of big fractals at once and the tasks wait in the queue while the worker works through them.',
      "The worker's load average counts the tasks that want its one CPU: at 1 it is busy all the time, above 1 work is waiting. The queue's backlog is the same story told by the app: fractals asked for but not drawn yet.",
    ],
    steps: [],
    checks: [
      ours(
        'batch-drained',
        'every fractal of the batch was drawn',
        "Read app-worker-1's console (`openstack console log show app-worker-1`); a worker that crashed leaves its node SHUTOFF: `openstack server start app-worker-1`.",
      ),
      ours(
        'worker-load',
        "app-worker-1's load average climbed toward 1 (busy)",
        'The batch ended before the load could climb: run the chapter again without --quick, or check that the worker was the one drawing (generated_by).',
      ),
      ours(
        'backlog',
        'a backlog of fractals waited for the worker',
        'The worker kept up with the batch, so nothing waited: run the chapter again without --quick.',
      ),
    ],
    predictions: [
      {
        id: 'worker-load',
        question: "How far will app-worker-1's 1-minute load average climb while it draws the batch?",
        unit: '',
        choices: [
          { label: 'about 0.25 — drawing is light work', value: 0.25 },
          { label: 'about 0.5 — half busy', value: 0.5 },
          { label: 'about 1 — its one CPU is busy all the time', value: 1 },
          { label: 'about 5 — one per fractal asked for', value: 5 },
        ],
        why: 'The load average counts the tasks that run or wait for a CPU, averaged over a minute: a worker busy with one fractal after another keeps about one task runnable however many wait in the queue, and the average needs a minute or more to climb to it.',
      },
    ],
    yourTurn: [],
  },
  {
    number: 4,
    id: 'overload-api',
    title: 'Overload the API',
    text: [
      'Now the other bottleneck: every request goes to app-controller. We send many requests to create fractals at the same moment, as many users would, and time each answer.',
      'First the guide’s way: a loop of `faafo create` run on app-controller itself, several at a time, so the clients and the API share its one CPU. Then a burst of requests from this machine.',
      'The figures that matter are the median answer time (p50), the slowest one in a hundred (p99), the errors, and how busy the API node gets.',
    ],
    steps: [],
    checks: [
      ours(
        'flood-answered',
        'every request was answered, none lost',
        'A request that got no answer means the API node is overloaded or down: `openstack console log show app-controller`, then run the chapter again.',
      ),
      ours(
        'api-load',
        "app-controller's load was measured while the requests came in",
        'The cloud gave no diagnostics for app-controller; the latencies alone still tell the story.',
      ),
    ],
    predictions: [
      {
        id: 'flood-errors',
        question: 'Of the requests sent at once to app-controller, how many will fail?',
        unit: ' of the requests failed',
        choices: [
          { label: 'none', value: 0 },
          { label: 'a few (about 1 in 20)', value: 0.05 },
          { label: 'many (about 1 in 4)', value: 0.25 },
          { label: 'most of them', value: 0.75 },
        ],
        why: 'A small API answers quickly and queues what it cannot answer at once, so the requests wait rather than fail: the cost shows first in the slowest answers (p99), and errors come only when waiting exceeds the clients’ timeouts.',
      },
    ],
    yourTurn: [],
  },
  {
    number: 5,
    id: 'scale-out',
    title: 'Scale out: steps 1 to 6',
    text: [
      'We now split the app by role: app-services holds the database and the message queue, two API servers answer the users, and three workers draw.',
      'Step 1 removes the old servers and groups, step 2 makes a security group per role (only the ports each role needs, some open only to members of another group), step 3 finds floating IPs, and steps 4, 5 and 6 start the servers, each told where app-services is.',
    ],
    steps: ['step-1', 'step-2', 'step-3', 'step-4', 'step-5', 'step-6'],
    checks: [
      ours(
        'steps',
        'each step left the cloud as the lesson expects',
        'Run the chapter again (r): each step keeps what is there and makes what is missing.',
      ),
      ours(
        'groups',
        'the four security groups with every rule, source groups included',
        'Run step 1, then step 2 again: `npx faafo-tutor step 1 && npx faafo-tutor step 2`.',
      ),
      ours(
        'services',
        'app-services answers on its database and messaging ports',
        "Read app-services' console (`openstack console log show app-services`), then run step 4 again.",
      ),
      ours(
        'api-nodes',
        'app-api-1 and app-api-2 are ACTIVE and answer HTTP on their floating IPs',
        'Run step 5 again: it keeps the servers that are up and attaches the missing floating IPs.',
      ),
      ours(
        'workers',
        'app-worker-1, 2 and 3 are ACTIVE and consume tasks',
        'Start a stopped worker (`openstack server start app-worker-2`) or run step 6 again.',
      ),
    ],
    predictions: [],
    yourTurn: [],
  },
  {
    number: 6,
    id: 'measure',
    title: 'Measure the difference',
    text: [
      'Same batch, same seed, same number of requests: only the topology changed. Three workers take tasks from the one queue; two API servers share the requests.',
      'The table puts the two runs side by side; the ratio says how many times better (or worse) the scaled-out app did.',
    ],
    steps: [],
    checks: [
      ours(
        'after-batch',
        'the batch was drawn on the scaled-out app',
        'Check that the workers run (`openstack server list`) and run the chapter again.',
      ),
      ours(
        'after-flood',
        'every request was answered on the scaled-out app, none lost',
        'Check that both API servers answer (`curl http://IP/v1/fractal`) and run the chapter again.',
      ),
      ours(
        'after-loop',
        "the guide's create loop ran on both API servers, every create accepted",
        'Check that both API servers answer ssh (`npx faafo-tutor ssh app-api-2 -- uptime`) and run the chapter again.',
      ),
      ours(
        'faster',
        'three workers drained the batch faster than one',
        'Other work on this machine slows the workers down; close it and run the chapter again.',
      ),
    ],
    predictions: [
      {
        id: 'drain-speedup',
        question: 'How many times faster will three workers drain the same batch than one did?',
        unit: '×',
        choices: [
          { label: 'the same — the queue is the limit', value: 1 },
          { label: 'about 2 times', value: 2 },
          { label: 'about 3 times — three workers', value: 3 },
          { label: 'more than 3 times', value: 4 },
        ],
        why: 'Three workers give three times the CPUs only when the machines under them have them: on a small host the workers share its cores with the API, the queue and each other, so the gain is usually short of three. A short batch is also a noisy measure: a few seconds either way move the ratio, above three as well as below.',
      },
    ],
    yourTurn: [],
  },
  {
    number: 7,
    id: 'hands-on',
    title: 'Hands-on: step 7 and a fault drill',
    text: [
      'Step 7 uses the app as the guide does: create fractals through app-api-1, list them, show one, and see from generated_by that several workers drew them.',
      'Then the drill: while fractals are being drawn, a worker and an API server crash (their processes are killed, no graceful stop). The queue gives the crashed worker’s unfinished task to another worker, and clients use the other API server.',
      'What is still a single point of failure? app-services: one database, one queue. In the guide each API server also keeps the images it received on its own disk, so asking the other one for an image ends in an IOError; here the images live in the database on app-services (both API servers serve every image, as step 7 shows), which makes that one node matter even more. The guide’s next section moves the images to object storage.',
    ],
    steps: ['step-7'],
    checks: [
      ours(
        'step-7',
        'fractals drawn by more than one worker',
        'Run step 6 again if a worker is missing, step 5 if an API server is.',
      ),
      ours(
        'crashed',
        'a worker and an API server crashed during the drill',
        'The nodes could not be reached over ssh: check `npx faafo-tutor ssh app-worker-1 -- uptime`.',
      ),
      ours(
        'nothing-lost',
        'every accepted fractal was drawn: nothing lost',
        'A task lost with its worker means it was acknowledged before it was drawn; read the workers’ consoles.',
      ),
      ours(
        'recovered',
        'the crashed servers run again',
        'Start them again: `openstack server start app-worker-1 app-api-2`.',
      ),
    ],
    predictions: [],
    yourTurn: [
      {
        id: 'fourth-worker',
        task: 'Add capacity yourself: start a fourth worker with the openstack CLI, with the same image, flavor, key, group and userdata as step 6 (see the step’s code).',
        commands: [
          'openstack server create --image ubuntu-22.04 --flavor m1.small --key-name demokey --security-group worker --user-data userdata.txt app-worker-4',
        ],
        verify: workerServer('app-worker-4'),
        hint: 'Write step 6’s userdata into userdata.txt first; `openstack server show app-worker-4` says why it is not ACTIVE.',
      },
    ],
  },
  {
    number: 8,
    id: 'wrap-up',
    title: 'Wrap-up',
    text: [
      'You split one app over six servers by role, measured it before and after, and broke parts of it on purpose without losing work.',
      'The guide goes on from here: object storage for the images (so any API server can serve any image), orchestration templates that build the whole topology in one go, and autoscaling that adds workers when the queue grows.',
      'To remove what the lesson made: `npx faafo-tutor --reset` (it runs step 1), and `npx faafo-tutor cloud down` stops the local cloud.',
    ],
    steps: [],
    checks: [
      ours(
        'figures',
        'every load was measured before and after',
        'Run chapters 3, 4 and 6 again (`npx faafo-tutor --chapter 3`).',
      ),
    ],
    predictions: [],
    yourTurn: [],
  },
];

export const LAST_CHAPTER = CHAPTERS.length;

export function chapterByNumber(n: number): Chapter | undefined {
  return CHAPTERS.find((c) => c.number === n);
}

/** The named check of a chapter; a programming error if the engine asks for one the manifest lacks. */
export function namedCheck(chapter: Chapter, id: string): NamedCheck {
  const check = chapter.checks.find((c) => c.id === id);
  if (!check) throw new Error(`Chapter ${chapter.number} has no check '${id}' in steps/chapters.ts.`);
  return check;
}
