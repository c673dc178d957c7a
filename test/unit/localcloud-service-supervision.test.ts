// The supervision of a booted node's services with stand-in processes whose end the test decides:
// an ordinary exit shuts the node off; an out-of-memory kill restarts the service with the
// kernel's and systemd's lines, again for each kill, until systemd's start limit shuts the node
// off; a node stopped meanwhile restarts nothing.
import { describe, expect, it } from 'vitest';
import type { OomKill } from '../../src/localcloud/nodes/limits/memory-mechanism.ts';
import { RESTART_DELAY_MS } from '../../src/localcloud/nodes/oom-restart.ts';
import type { ProcessSpec } from '../../src/localcloud/nodes/roles.ts';
import { type SupervisionDeps, superviseServices } from '../../src/localcloud/nodes/service-supervision.ts';
import type { ConsoleLog, ExitInfo, Supervised } from '../../src/localcloud/nodes/supervisor.ts';

const SPEC: ProcessSpec = {
  role: 'worker',
  program: 'faafo worker',
  command: 'node',
  args: [],
  env: {},
  ready: { line: /up/ },
  phase: 1,
  oneshot: false,
  describe: 'starting faafo worker',
};

/** A service process that ends when the test says, as the memory limit's kill or otherwise. */
interface FakeProcess extends Supervised {
  end(exit: ExitInfo, oomKilled: boolean): void;
  oomKilled: boolean;
}

let nextPid = 1000;
function fakeProcess(): FakeProcess {
  let end!: (exit: ExitInfo) => void;
  const exited = new Promise<ExitInfo>((resolve) => {
    end = resolve;
  });
  const proc: FakeProcess = {
    spec: SPEC,
    pid: nextPid++,
    ready: Promise.resolve({ ready: true, ms: 1 }),
    exited,
    recentOutput: () => ['last words'],
    stop: async () => {},
    killNow() {},
    oomKilled: false,
    end(exit, oomKilled) {
      proc.oomKilled = oomKilled;
      end(exit);
    },
  };
  return proc;
}

const KILLED: ExitInfo = { code: null, signal: 'SIGKILL' };
const oomKill = (pid: number): OomKill => ({
  pid,
  name: 'node',
  uid: 0,
  totalVmKib: 1000,
  anonRssKib: 900,
  fileRssKib: 100,
  shmemRssKib: 0,
  pgtablesKib: 10,
});

function harness() {
  const lines: string[] = [];
  const processes: FakeProcess[] = [];
  const faults: Array<{ message: string; details: string }> = [];
  let current = true;
  let queue = Promise.resolve();
  const console: ConsoleLog = {
    path: 'console.log',
    write: (source, text) => lines.push(`${source}: ${text}`),
    close() {},
  };
  const deps: SupervisionDeps = {
    nodeName: 'app-worker-1',
    ramMib: 512,
    console,
    log() {},
    current: () => current,
    enqueue(op) {
      queue = queue.then(op);
    },
    oomKillOf: (proc, exit) =>
      exit.signal === 'SIGKILL' && (proc as FakeProcess).oomKilled ? oomKill(proc.pid!) : undefined,
    relaunch() {
      const next = fakeProcess();
      processes.push(next);
      return next;
    },
    async shutOff(message, details) {
      current = false;
      faults.push({ message, details });
    },
  };
  const supervise = superviseServices(deps);
  const first = fakeProcess();
  processes.push(first);
  supervise(first);
  /** Waits until the queue is idle and any restart delay has passed. */
  const settle = async () => {
    // The kill's handler queues the restart, which waits RESTART_DELAY_MS, then supervises anew.
    for (let i = 0; i < 2; i++) {
      await queue;
      await new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS + 30));
    }
  };
  return {
    lines,
    processes,
    faults,
    settle,
    stop: () => {
      current = false;
    },
  };
}

describe("a booted node's services", () => {
  it('an ordinary exit shuts the node off with a fault, and nothing restarts', async () => {
    const h = harness();
    h.processes[0]!.end({ code: 1, signal: null }, false);
    await h.settle();
    expect(h.faults).toEqual([
      { message: 'faafo worker exited unexpectedly (exit code 1)', details: 'last words' },
    ]);
    expect(h.lines).toEqual([
      'cloud-init: faafo worker exited unexpectedly (exit code 1); app-worker-1 is shut off',
    ]);
    expect(h.processes).toHaveLength(1);
  });

  it('a SIGKILL that was not the memory limit is an ordinary exit too', async () => {
    const h = harness();
    h.processes[0]!.end(KILLED, false);
    await h.settle();
    expect(h.faults.map((f) => f.message)).toEqual(['faafo worker exited unexpectedly (signal SIGKILL)']);
  });

  it('an out-of-memory kill restarts the service, each kill counted, the node not shut off', async () => {
    const h = harness();
    const first = h.processes[0]!;
    first.end(KILLED, true);
    await h.settle();
    expect(h.faults).toEqual([]);
    expect(h.processes).toHaveLength(2);
    expect(h.lines).toEqual([
      `kernel: Out of memory: Killed process ${first.pid} (node) total-vm:1000kB, anon-rss:900kB, file-rss:100kB, shmem-rss:0kB, UID:0 pgtables:10kB oom_score_adj:0`,
      'systemd: faafo-worker.service: A process of this unit has been killed by the OOM killer.',
      'systemd: faafo-worker.service: Main process exited, code=killed, status=9/KILL',
      "systemd: faafo-worker.service: Failed with result 'oom-kill'.",
      'systemd: faafo-worker.service: Scheduled restart job, restart counter is at 1.',
      'systemd: Stopped faafo-worker.service.',
      'systemd: Started faafo-worker.service.',
    ]);
    // The restarted one is supervised in turn.
    h.processes[1]!.end(KILLED, true);
    await h.settle();
    expect(h.processes).toHaveLength(3);
    expect(h.lines).toContain(
      'systemd: faafo-worker.service: Scheduled restart job, restart counter is at 2.',
    );
  });

  it('the sixth kill within 60 s hits the start limit: no restart, the node shut off', async () => {
    const h = harness();
    for (let kill = 0; kill < 6; kill++) {
      h.processes.at(-1)!.end(KILLED, true);
      await h.settle();
    }
    expect(h.processes).toHaveLength(6); // the first and five restarts
    expect(h.faults.map((f) => f.message)).toEqual([
      'faafo worker was killed for lack of memory more than 5 times within 60 s, so systemd stopped restarting it (the node has 512 MB; restart counter 6)',
    ]);
    expect(h.lines.slice(-5)).toEqual([
      'systemd: Stopped faafo-worker.service.',
      'systemd: faafo-worker.service: Start request repeated too quickly.',
      "systemd: faafo-worker.service: Failed with result 'oom-kill'.",
      'systemd: Failed to start faafo-worker.service.',
      `cloud-init: ${h.faults[0]!.message}; app-worker-1 is shut off`,
    ]);
  });

  it('a node stopped meanwhile restarts nothing and records no fault', async () => {
    const h = harness();
    h.stop();
    h.processes[0]!.end(KILLED, true);
    await h.settle();
    expect(h.processes).toHaveLength(1);
    expect(h.faults).toEqual([]);
    expect(h.lines).toEqual([]);
  });
});
