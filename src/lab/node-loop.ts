// The guide's API overload, done the guide's way: log in to the API node and run
//   for i in $(seq 1 500); do faafo --endpoint-url http://IP_CONTROLLER create &; done
// there. What loads the node is not the HTTP requests alone (the API answers a small create in a few
// milliseconds) but the 500 `faafo` processes starting on its one vCPU beside the API: that is why
// the guide's `uptime` on the node reads well above 1. A flood sent from this machine (./flood.ts)
// measures the API's latency; this one reproduces the node's load.
//
// Unlike the guide's loop, at most `parallel` invocations run at once (500 processes at once would
// not fit the node's RAM: each `faafo` is a Node.js process of 60–95 MB), each creates one small
// fractal (so the workers are not what is measured), and every invocation reports one line —
// "ok|fail INDEX START_NS END_NS [last line of its output]" — so its latency and outcome are
// measured on the node. With several API nodes the requests are split round-robin, each node's
// share run on that node against its own API (its faafo config's endpoint_url).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Node } from '../cloud/models.ts';
import { DEFAULT_SSH_USER, sshArgs, sshTarget } from '../lesson/ssh-call.ts';
import { tcpAnswers } from '../shared/tcp-answers.ts';
import { UserError } from '../shared/user-error.ts';
import { checkRequestCount } from './flood.ts';
import { type LatencyFigures, latencyFigures, type RequestOutcome } from './latency.ts';
import { checkTargets } from './targets.ts';

export const DEFAULT_LOOP_PARALLEL = 8;
/** How long a node's sshd may take to answer: on a real cloud ACTIVE comes before sshd is up. */
export const SSH_WAIT_MS = 30_000;
export const MAX_LOOP_PARALLEL = 32;

export interface NodeLoopOptions {
  /** The API nodes, as the cloud lists them; request i runs on nodes[i mod n]. */
  nodes: readonly Node[];
  /** The lesson's private key (demokey.pem). */
  keyFile: string;
  user?: string;
  /** Default 500 (the guide's), at most 5000. */
  requests?: number;
  /** Invocations running at once on each node; default 8, at most 32. */
  parallel?: number;
  /** For the whole run; the loops still running then are stopped (their missing requests count as errors). Default 10 min. */
  deadlineMs?: number;
  /** Addresses besides loopback that may be logged in to: the lesson's floating IPs. */
  allowed?: readonly string[];
  /** How long each node's sshd may take to take a connection; default SSH_WAIT_MS. */
  sshWaitMs?: number;
  /** Each invocation's outcome as its line arrives (status 201 for a success, none for a failure). */
  onOutcome?: (outcome: RequestOutcome & { node: string }) => void;
  signal?: AbortSignal;
}

export interface NodeLoopResult extends LatencyFigures {
  startedAt: number;
  durationMs: number;
  /** Invocations that exited 0, i.e. fractals the API accepted. */
  accepted: number;
  /** The first few distinct reasons for failures. */
  failures: string[];
  perNode: Array<LatencyFigures & { node: string; requests: number }>;
}

export function checkParallel(parallel: number): number {
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > MAX_LOOP_PARALLEL) {
    throw new UserError(
      `The loop runs 1 to ${MAX_LOOP_PARALLEL} faafo processes at once on a node; ${parallel} is outside that.`,
    );
  }
  return parallel;
}

/**
 * The shell script run on a node: `count` invocations of `faafo create`, `parallel` at a time,
 * each reporting one line. Built from two checked integers only; nothing a user typed reaches it.
 */
export function loopScript(count: number, parallel: number): string {
  const one =
    's=$(date +%s%N); ' +
    'if out=$(faafo create --tasks 1 --width 128 --height 128 --iterations 128 2>&1); ' +
    'then echo "ok $0 $s $(date +%s%N)"; ' +
    'else echo "fail $0 $s $(date +%s%N) $(printf "%s" "$out" | tail -n 1)"; fi';
  return `seq 1 ${count} | xargs -P ${parallel} -n 1 sh -c '${one}'; echo end`;
}

interface LoopLine {
  ok: boolean;
  latencyMs: number;
  reason?: string;
}

/** One report line of the script, or undefined for anything else. */
export function parseLoopLine(line: string): LoopLine | undefined {
  const match = /^(ok|fail) \d+ (\d+) (\d+)(?: (.*))?$/.exec(line.trim());
  if (!match) return undefined;
  const latencyMs = Number(BigInt(match[3]!) - BigInt(match[2]!)) / 1e6;
  return { ok: match[1] === 'ok', latencyMs, ...(match[4] ? { reason: match[4] } : {}) };
}

/**
 * Waits until the node's ssh port takes a connection (a fresh VM's sshd starts after the server is
 * ACTIVE), so a login that would be refused is not counted as the loop failing to run.
 */
async function waitForSshd(
  name: string,
  target: { address: string; port: number },
  waitMs: number,
  stop: AbortSignal,
) {
  const until = Date.now() + waitMs;
  while (!stop.aborted) {
    if (await tcpAnswers(target.address, target.port, 2000)) return;
    if (Date.now() >= until) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new UserError(
    `${name} does not answer ssh on ${target.address} port ${target.port} (waited ${Math.round(waitMs / 1000)} s); check that \`faafo-tutor ssh ${name} -- uptime\` works.`,
  );
}

/** Runs the loop on every node at once and gathers what each invocation reported. */
export async function nodeLoop(options: NodeLoopOptions): Promise<NodeLoopResult> {
  if (options.nodes.length === 0) throw new UserError('No API node to run the loop on.');
  const requests = checkRequestCount(options.requests ?? 500);
  const parallel = checkParallel(options.parallel ?? DEFAULT_LOOP_PARALLEL);
  const deadline = AbortSignal.timeout(options.deadlineMs ?? 600_000);
  const stop = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const failures = new Set<string>();
  const outcomes: Array<RequestOutcome & { node: string }> = [];
  const startedAt = Date.now();
  const began = performance.now();

  const share = (i: number) =>
    Math.floor(requests / options.nodes.length) + (i < requests % options.nodes.length ? 1 : 0);
  const runs = options.nodes.map(async (node, i) => {
    const count = share(i);
    if (count === 0) return { node: node.name, requests: 0 };
    const target = sshTarget(node);
    if (!target) throw new UserError(`${node.name} has no address to log in to; is it running?`);
    checkTargets(
      [`http://${target.address.includes(':') ? `[${target.address}]` : target.address}/`],
      options.allowed,
    );
    await waitForSshd(node.name, target, options.sshWaitMs ?? SSH_WAIT_MS, stop);
    const args = sshArgs({
      ...target,
      user: options.user ?? DEFAULT_SSH_USER,
      key: options.keyFile,
      command: [loopScript(count, parallel)],
    });
    const child = spawn('ssh', ['-o', 'BatchMode=yes', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const onAbort = () => child.kill('SIGTERM');
    stop.addEventListener('abort', onAbort, { once: true });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    let seen = 0;
    let ended = false;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line.trim() === 'end') {
        ended = true;
        continue;
      }
      const parsed = parseLoopLine(line);
      if (!parsed) continue;
      seen++;
      const outcome = {
        at: Date.now(),
        latencyMs: parsed.latencyMs,
        ...(parsed.ok ? { status: 201 } : {}),
        node: node.name,
      };
      if (!parsed.ok && failures.size < 5)
        failures.add(`${node.name}: ${parsed.reason ?? 'faafo create failed'}`);
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
    const code = await new Promise<number | null>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
      else child.once('close', (c) => resolve(c));
    });
    stop.removeEventListener('abort', onAbort);
    if (!ended && seen === 0) {
      const said = stderr.trim().split('\n').at(-1);
      throw new UserError(
        `The loop did not run on ${node.name} (ssh exited ${code}${said ? `: ${said}` : ''}); check that \`faafo-tutor ssh ${node.name} -- uptime\` works.`,
      );
    }
    // Requests that never reported (the deadline, a dropped connection) are failures too.
    for (let missing = count - seen; missing > 0; missing--) {
      const outcome = { at: Date.now(), latencyMs: performance.now() - began, node: node.name };
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
    if (count > seen && failures.size < 5)
      failures.add(`${node.name}: ${count - seen} invocation(s) never reported (stopped at the deadline?)`);
    return { node: node.name, requests: count };
  });
  const perNode = await Promise.all(runs);
  const overall = latencyFigures(outcomes);
  return {
    ...overall,
    startedAt,
    durationMs: performance.now() - began,
    accepted: outcomes.filter((o) => o.status === 201).length,
    failures: [...failures],
    perNode: perNode.map(({ node, requests: count }) => ({
      ...latencyFigures(outcomes.filter((o) => o.node === node)),
      node,
      requests: count,
    })),
  };
}
