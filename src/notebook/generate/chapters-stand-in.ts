// The chapters' text until the tutor's steps/chapters.ts is on this branch: the same ids, titles and
// steps, in our own words. ./chapters.ts re-exports it; once steps/chapters.ts is here, that one
// line points there instead and this file goes.
import type { NotebookChapter } from './chapters.ts';

export const STAND_IN_CHAPTERS: readonly NotebookChapter[] = [
  {
    number: 1,
    id: 'preflight',
    title: 'Preflight: your machine and your cloud',
    text: [
      'First we make sure there is a cloud to work with. The notebooks use the one your kernel is told about (OS_CLOUD, or the OS_* variables of an openrc); with neither, they use the local cloud, whose servers are processes on this machine, and start it when it is not running.',
      'The scaled-out app needs six servers: the cloud must have room for them in its quota.',
    ],
    steps: [],
  },
  {
    number: 2,
    id: 'where-we-are',
    title: 'Where we are: one controller, one worker',
    text: [
      "The guide's previous section left the Fractals app on two servers. app-controller runs the API, the database and the message queue; app-worker-1 takes tasks from the queue and draws fractals.",
      'Every request and every fractal passes through these two machines. The prelude builds that starting point, or keeps it when it is there already.',
    ],
    steps: ['prelude'],
  },
  {
    number: 3,
    id: 'overload-worker',
    title: 'Overload the worker',
    text: [
      "One worker on one vCPU draws one fractal at a time. Ask for more than it can draw and the tasks wait in the queue; the worker's load average climbs towards (and past) 1, the sign that its CPU has more work than time.",
      "The cell below sends a batch of fractals through the API and measures, every second, each node's 1-minute load (from Nova's server diagnostics) and the backlog still waiting.",
    ],
    steps: [],
  },
  {
    number: 4,
    id: 'overload-api',
    title: 'Overload the API',
    text: [
      'The API node has the same problem from the other side: every create is a request it must answer, and while many arrive at once its one vCPU queues them too. The guide runs a loop of `faafo create` on the node itself and watches `uptime`.',
      'More of the same machine does not help either kind of overload. More machines do — if the app can be split across them.',
    ],
    steps: [],
  },
  {
    number: 5,
    id: 'scale-out',
    title: 'Scale out: steps 1 to 6',
    text: [
      'Scaling out means more servers doing the same job. For that the parts that hold state — the database and the message queue — move to a node of their own, app-services, that every API server and every worker shares.',
      'The security groups are the firewall between the tiers: anyone may reach the API on port 80, only the API may reach the database, and only the API and the workers may reach the queue.',
      "Steps 1 to 6 remove the old servers, make the new groups, define a helper for floating IPs, and start app-services, two API servers and three workers. Each cell is the step's own function, as `faafo-tutor step N` runs it.",
    ],
    steps: ['step-1', 'step-2', 'step-3', 'step-4', 'step-5', 'step-6'],
  },
  {
    number: 6,
    id: 'measure',
    title: 'Measure the difference',
    text: [
      'The same batch again, now on three workers: the backlog drains about three times faster, and no single worker is overloaded for long.',
      "What scale-out does not buy: the database is still one node, and each fractal's image is stored by the API server that received it.",
    ],
    steps: [],
  },
  {
    number: 7,
    id: 'hands-on',
    title: 'Hands-on: step 7 and losing servers',
    text: [
      'Step 7 creates fractals through app-api-1, looks at one through both API servers, then stops a worker and an API server and shows the app going on with what is left.',
    ],
    steps: ['step-7'],
  },
  {
    number: 8,
    id: 'wrap-up',
    title: 'Wrap-up',
    text: [
      'The app now runs on six servers: one for shared state, two API servers, three workers. Adding a fourth worker is one more server with the same userdata; nothing else changes.',
      'The next sections of the guide add what this one leaves out: a load balancer in front of the API servers, and shared storage for the images.',
    ],
    steps: [],
  },
];
