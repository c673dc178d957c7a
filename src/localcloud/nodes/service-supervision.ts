// A booted node's long-running services, watched as systemd watches units: a service its memory
// limit killed is started again (Restart=on-failure, with the kernel's and systemd's lines of
// oom-restart.ts on the console) while the node stays ACTIVE, until its start limit is hit; that,
// like any other exit of a service, shuts the node off with a fault (a crash is the lesson's
// "the node went down", so only out-of-memory kills are restarted).
import { setTimeout as sleep } from 'node:timers/promises';
import type { OomKill } from './limits/memory-mechanism.ts';
import {
  kernelOomLine,
  oomFailureLines,
  RESTART_DELAY_MS,
  START_LIMIT_BURST,
  START_LIMIT_INTERVAL_MS,
  type StartLimit,
  startLimit,
  startLimitLines,
  unitName,
} from './oom-restart.ts';
import type { ProcessSpec } from './roles.ts';
import { type ConsoleLog, describeExit, type ExitInfo, type Supervised } from './supervisor.ts';

export interface SupervisionDeps {
  nodeName: string;
  /** The flavor's RAM, MiB, for the fault's words. */
  ramMib: number | undefined;
  console: ConsoleLog;
  /** The cloud's log. */
  log: (line: string) => void;
  /** False once this boot of the node was stopped or replaced: its exits are expected then. */
  current(): boolean;
  /** Runs an operation in the node's queue, after what it is doing now. */
  enqueue(op: () => Promise<void>): void;
  /** The memory limit's kill that ended the process, if it was one. */
  oomKillOf(proc: Supervised, exit: ExitInfo): OomKill | undefined;
  /** Starts the ended service again under the node's limits, in its place among the node's processes. */
  relaunch(ended: Supervised): Supervised;
  /** Ends the node's processes; the node is SHUTOFF with this fault. */
  shutOff(message: string, details: string): Promise<void>;
}

/** Returns `supervise`: call it once per service process the node started (or restarted). */
export function superviseServices(deps: SupervisionDeps): (proc: Supervised) => void {
  const { console: out } = deps;
  const say = (line: string) => out.write('cloud-init', line);
  const startLimits = new Map<ProcessSpec['role'], StartLimit>();

  const restartAfterOom = async (proc: Supervised) => {
    const limit = startLimits.get(proc.spec.role) ?? startLimit();
    startLimits.set(proc.spec.role, limit);
    const { allowed, count } = limit.restart(Date.now());
    const unit = unitName(proc.spec.program);
    for (const line of oomFailureLines(unit, count)) out.write('systemd', line);
    if (!allowed) {
      for (const line of startLimitLines(unit)) out.write('systemd', line);
      const message = `${proc.spec.program} was killed for lack of memory more than ${START_LIMIT_BURST} times within ${START_LIMIT_INTERVAL_MS / 1000} s, so systemd stopped restarting it (the node has ${deps.ramMib} MB; restart counter ${count})`;
      say(`${message}; ${deps.nodeName} is shut off`);
      return deps.shutOff(message, proc.recentOutput().join('\n'));
    }
    deps.log(`node ${deps.nodeName}: ${proc.spec.program} was killed for lack of memory; restart ${count}`);
    await sleep(RESTART_DELAY_MS);
    if (!deps.current()) return;
    const next = deps.relaunch(proc);
    out.write('systemd', `Started ${unit}.`);
    supervise(next);
  };

  const supervise = (proc: Supervised) => {
    proc.exited.then((exit) => {
      if (!deps.current()) return;
      const oom = deps.oomKillOf(proc, exit);
      if (oom) out.write('kernel', kernelOomLine(oom));
      deps.enqueue(async () => {
        if (!deps.current()) return;
        if (oom) return restartAfterOom(proc);
        const message = `${proc.spec.program} exited unexpectedly (${describeExit(exit)})`;
        say(`${message}; ${deps.nodeName} is shut off`);
        await deps.shutOff(message, proc.recentOutput().join('\n'));
      });
    });
  };
  return supervise;
}
