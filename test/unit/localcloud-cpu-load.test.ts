// The pieces of a node's CPU size and load that need no process: runnable demand (what feeds the
// load average of src/shared/loadavg.ts), the vCPU size, and the diagnostics route through the
// compute service app with a runtime that reports them.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDiagnostics } from '../../src/lab/node-meter.ts';
import { issueToken } from '../../src/localcloud/auth.ts';
import type { CloudStore, NodeDiagnostics, NodeRuntime } from '../../src/localcloud/contracts.ts';
import { cpuLine } from '../../src/localcloud/control/status.ts';
import { buildServiceApp } from '../../src/localcloud/gateway.ts';
import { runnableDemand } from '../../src/localcloud/nodes/limits/demand.ts';
import {
  chooseVcpuFraction,
  defaultVcpuFraction,
  parseVcpuFraction,
} from '../../src/localcloud/nodes/limits/vcpu-fraction.ts';
import { computeProvider } from '../../src/localcloud/providers/compute/index.ts';
import type { Server } from '../../src/localcloud/state.ts';
import { createMemoryStore, seedState, UBUNTU_IMAGE_ID } from '../../src/localcloud/store.ts';

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
      // 12.5 s of host CPU on two vCPUs of 1/3 of a core each: 37.5 vCPU-seconds, 18.75 each.
      cpu0_time: 18_750_000_000,
      cpu1_time: 18_750_000_000,
      memory: 4096 * 1024,
      'memory-actual': 4096 * 1024,
      'memory-rss': 81_920,
      'local-cloud:loadavg': [0.93, 0.41, 0.15],
      'local-cloud:cpu-limit': 'cgroup-v1',
      'local-cloud:host-cores': 0.667,
    });
    // What the lab's node meter reads of it.
    expect(parseDiagnostics(response.json())).toEqual({
      vcpus: 2,
      cpuTimeNs: 37_500_000_000,
      memoryKiB: 4096 * 1024,
      memoryRssKiB: 81_920,
      loadavg: [0.93, 0.41, 0.15],
      hostCores: 0.667,
    });
  });

  it('a running node with nothing measured is idle', async () => {
    const response = await get('idle');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      cpu0_time: 0,
      'local-cloud:loadavg': [0, 0, 0],
      'local-cloud:cpu-limit': 'none',
    });
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
