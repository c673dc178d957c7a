// The pieces of a node's CPU size and load that need no process: the kernel's load-average
// arithmetic (checked against its formula written out independently), runnable demand, the vCPU
// size, and the diagnostics route through the compute service app with a runtime that reports them.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/localcloud/auth.ts';
import type { CloudStore, NodeDiagnostics, NodeRuntime } from '../../src/localcloud/contracts.ts';
import { cpuLine } from '../../src/localcloud/control/status.ts';
import { buildServiceApp } from '../../src/localcloud/gateway.ts';
import { runnableDemand } from '../../src/localcloud/nodes/limits/demand.ts';
import {
  calcLoad,
  EXP_1,
  EXP_5,
  EXP_15,
  FIXED_1,
  type FixedLoads,
  formatLoad,
  procLoadavgLine,
  stepLoads,
  ZERO_LOADS,
} from '../../src/localcloud/nodes/limits/load-average.ts';
import {
  chooseVcpuFraction,
  defaultVcpuFraction,
  parseVcpuFraction,
} from '../../src/localcloud/nodes/limits/vcpu-fraction.ts';
import { computeProvider } from '../../src/localcloud/providers/compute/index.ts';
import type { Server } from '../../src/localcloud/state.ts';
import { createMemoryStore, seedState, UBUNTU_IMAGE_ID } from '../../src/localcloud/store.ts';

/** kernel/sched/loadavg.c calc_load, in BigInt so no float rounding can agree with ours by accident. */
function kernelCalcLoad(load: bigint, exp: bigint, active: bigint): bigint {
  let newload = load * exp + active * (2048n - exp);
  if (active >= load) newload += 2048n - 1n;
  return newload / 2048n;
}

describe('the load-average arithmetic', () => {
  it('is the kernel constants and calc_load step for step', () => {
    expect([FIXED_1, EXP_1, EXP_5, EXP_15]).toEqual([2048, 1884, 2014, 2037]);
    // e^(-5/60), e^(-5/300), e^(-5/900) in 11-bit fixed point.
    expect(Math.round(FIXED_1 / Math.exp(5 / 60))).toBe(EXP_1);
    expect(Math.round(FIXED_1 / Math.exp(5 / 300))).toBe(EXP_5);
    expect(Math.round(FIXED_1 / Math.exp(5 / 900))).toBe(EXP_15);
    let load = 0n;
    let ours = 0;
    const demands = [0, 1, 1, 2.5, 3, 0.2, 0, 0, 1, 1, 1, 4, 0.75, 0, 0];
    for (const demand of [...demands, ...demands, ...demands]) {
      const active = BigInt(Math.round(demand * 2048));
      for (const exp of [EXP_1, EXP_5, EXP_15]) {
        expect(calcLoad(Number(load), exp, Number(active))).toBe(
          Number(kernelCalcLoad(load, BigInt(exp), active)),
        );
      }
      load = kernelCalcLoad(load, BigInt(EXP_1), active);
      ours = calcLoad(ours, EXP_1, Number(active));
      expect(ours).toBe(Number(load));
    }
  });

  it('one task always runnable: the 1-minute average reaches 1.00 and never passes it', () => {
    let loads: FixedLoads = ZERO_LOADS;
    const seen: number[] = [];
    for (let i = 0; i < 24 * 5; i++) {
      loads = stepLoads(loads, 1);
      seen.push(loads[0]);
    }
    // After one minute (12 samples) about 1 - 1/e = 0.632; after two about 1 - 1/e² = 0.865, plus
    // the kernel's round-ups: a constant 1 alone does not reach 0.9 within two minutes.
    expect(formatLoad(seen[11]!)).toBe('0.63');
    expect(formatLoad(seen[23]!)).toBe('0.87');
    expect(Math.max(...seen)).toBe(FIXED_1);
    expect(formatLoad(seen.at(-1)!)).toBe('1.00');
    // The 5- and 15-minute averages lag behind.
    expect(loads[1]).toBeLessThan(loads[0]);
    expect(loads[2]).toBeLessThan(loads[1]);
    // And an idle node falls back.
    for (let i = 0; i < 24; i++) loads = stepLoads(loads, 0);
    expect(Number(formatLoad(loads[0]))).toBeLessThan(0.15);
  });

  it('prints as /proc/loadavg does', () => {
    expect(formatLoad(0)).toBe('0.00');
    expect(formatLoad(1024)).toBe('0.50');
    expect(formatLoad(2048)).toBe('1.00');
    expect(formatLoad(2047)).toBe('1.00'); // FIXED_1/200 is added before truncating
    expect(formatLoad(3 * 2048 + 205)).toBe('3.10');
    expect(procLoadavgLine([2048, 1024, 0], { running: 1, total: 3, lastPid: 4242 })).toBe(
      '1.00 0.50 0.00 1/3 4242\n',
    );
  });
});

describe('runnable demand', () => {
  const f = 1 / 3;
  it('one busy task at capacity reads 1; idle reads 0', () => {
    // What a 1-vCPU cgroup showed over 3 s: 1.03 s used, 1.94 s throttled.
    expect(runnableDemand({ intervalSeconds: 3, cpuSeconds: 1.032, throttledSeconds: 1.938 }, 1, f)).toBe(1);
    expect(runnableDemand({ intervalSeconds: 5, cpuSeconds: 0, throttledSeconds: 0 }, 1, f)).toBe(0);
  });
  it('two busy tasks on one vCPU read 2 (the throttled time is per CPU)', () => {
    expect(
      runnableDemand({ intervalSeconds: 3, cpuSeconds: 1.034, throttledSeconds: 4.937 }, 1, f),
    ).toBeCloseTo(1.99, 2);
  });
  it('a task using 60 % of its vCPU, never throttled, reads 0.6', () => {
    expect(runnableDemand({ intervalSeconds: 5, cpuSeconds: 1, throttledSeconds: 0 }, 1, f)).toBeCloseTo(
      0.6,
      5,
    );
  });
  it("a busy task kept waiting by the host's other programs still counts as runnable", () => {
    // 0.9 of its share ran; the rest of the time it waited on a run queue (throttled or contended).
    expect(
      runnableDemand(
        { intervalSeconds: 5, cpuSeconds: 1.5, throttledSeconds: 0.1, waitingSeconds: 3.45 },
        1,
        f,
      ),
    ).toBeCloseTo(0.99, 5);
    // Throttled time that is also run-queue wait is not counted twice.
    expect(
      runnableDemand({ intervalSeconds: 3, cpuSeconds: 1, throttledSeconds: 2, waitingSeconds: 2 }, 1, f),
    ).toBe(1);
  });
  it('an empty interval reads 0', () => {
    expect(runnableDemand({ intervalSeconds: 0, cpuSeconds: 1, throttledSeconds: 1 }, 1, f)).toBe(0);
  });
});

describe('the vCPU size', () => {
  it("fits the scaled-out topology's six vCPUs onto the host's cores, at most a core each", () => {
    expect(defaultVcpuFraction(2).fraction).toBeCloseTo(1 / 3, 10);
    expect(defaultVcpuFraction(2).reason).toBe("2 host cores ÷ the scaled-out topology's 6 vCPUs");
    expect(defaultVcpuFraction(12).fraction).toBe(1);
  });
  it('an option beats the environment, which beats the default; bad values are told', () => {
    expect(chooseVcpuFraction(0.5, { FAAFO_CLOUD_VCPU_FRACTION: '0.25' })).toEqual({
      fraction: 0.5,
      reason: 'set by --vcpu-fraction',
    });
    expect(chooseVcpuFraction(undefined, { FAAFO_CLOUD_VCPU_FRACTION: '0.25' }).fraction).toBe(0.25);
    expect(() => parseVcpuFraction('1.5', '--vcpu-fraction')).toThrow(
      "--vcpu-fraction must be a number above 0 and at most 1 (the share of a host core one vCPU gets), not '1.5'.",
    );
    expect(() => chooseVcpuFraction(undefined, { FAAFO_CLOUD_VCPU_FRACTION: 'x' })).toThrow(
      /FAAFO_CLOUD_VCPU_FRACTION/,
    );
  });
  it('cloud status says the choice', () => {
    expect(
      cpuLine({
        vcpuFraction: 1 / 3,
        reason: "2 host cores ÷ the scaled-out topology's 6 vCPUs",
        mechanism: 'cgroup-v1',
        description: 'cgroup v1 CPU quota (cpu.cfs_quota_us)',
      }),
    ).toBe(
      "CPU: one vCPU is 0.33 of a host core (2 host cores ÷ the scaled-out topology's 6 vCPUs); nodes are held to their vCPUs by cgroup v1 CPU quota (cpu.cfs_quota_us).",
    );
  });
});

describe('GET /servers/{id}/diagnostics', () => {
  let store: CloudStore;
  let app: FastifyInstance;
  let token: string;
  const measured = new Map<string, NodeDiagnostics>();

  beforeEach(() => {
    store = createMemoryStore(seedState({ slot: 7 }));
    const runtime: NodeRuntime = {
      boot() {},
      stop: async () => {},
      start: async () => {},
      reboot: async () => {},
      destroy: async () => {},
      consoleOutput: () => '',
      refreshNetwork() {},
      diagnostics: (id) => measured.get(id),
      close: async () => {},
    };
    app = buildServiceApp('compute', computeProvider, {
      store,
      endpoints: {
        identity: 'http://127.0.0.1:5000',
        compute: 'http://127.0.0.1:8774/v2.1',
        network: 'http://127.0.0.1:9696',
        image: 'http://127.0.0.1:9292',
      },
      runtime,
      now: () => new Date(),
    });
    const user = store.read().users[0]!;
    token = issueToken(store, { userId: user.id, projectId: user.defaultProjectId }, new Date()).id;
    const now = new Date().toISOString();
    const server = (id: string, status: Server['status'], flavorId: string): Server => ({
      id,
      name: id,
      projectId: user.defaultProjectId,
      userId: user.id,
      imageId: UBUNTU_IMAGE_ID,
      flavorId,
      keyName: null,
      securityGroupIds: [],
      metadata: {},
      userData: null,
      status,
      taskState: null,
      powerState: status === 'ACTIVE' ? 1 : 4,
      fault: null,
      fixedIp: '10.7.0.3',
      loopbackIp: '127.7.1.3',
      createdAt: now,
      updatedAt: now,
    });
    store.update((state) => {
      state.servers.push(
        server('worker-1', 'ACTIVE', '3'),
        server('stopped', 'SHUTOFF', '1'),
        server('idle', 'ACTIVE', '1'),
      );
    });
    measured.set('worker-1', {
      mechanism: 'cgroup-v1',
      vcpus: 2,
      cores: 2 / 3,
      loadAverage: [0.93, 0.41, 0.15],
      cpuSeconds: 12.5,
      rssKib: 81_920,
    });
  });
  afterEach(async () => {
    await app.close();
  });

  const get = (id: string) =>
    app.inject({ method: 'GET', url: `/v2.1/servers/${id}/diagnostics`, headers: { 'x-auth-token': token } });

  it("answers Nova's shape with the node's load averages and its CPU limit", async () => {
    const response = await get('worker-1');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      cpu0_time: 6_250_000_000,
      cpu1_time: 6_250_000_000,
      memory: 4096 * 1024,
      'memory-actual': 4096 * 1024,
      'memory-rss': 81_920,
      load_average_1m: 0.93,
      load_average_5m: 0.41,
      load_average_15m: 0.15,
      cpu_limit_mechanism: 'cgroup-v1',
      cpu_limit_host_cores: 0.667,
      server_id: 'worker-1',
    });
  });

  it('a running node with nothing measured is idle', async () => {
    const response = await get('idle');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ cpu0_time: 0, load_average_1m: 0, cpu_limit_mechanism: 'none' });
  });

  it('404 for a server the project does not have, 409 for one not running', async () => {
    const missing = await get('nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      itemNotFound: { code: 404, message: 'Instance nope could not be found.' },
    });
    const stopped = await get('stopped');
    expect(stopped.statusCode).toBe(409);
    expect(stopped.json()).toEqual({
      conflict: {
        code: 409,
        message: "Cannot 'get_diagnostics' instance stopped while it is in vm_state stopped",
      },
    });
  });
});
