// What a node says and does when its memory limit kills a service, piece by piece: systemd's start
// limit, the kernel's and systemd's console lines, `cloud status`'s memory line, and the
// diagnostics key that names the memory mechanism.
import { describe, expect, it } from 'vitest';
import { memoryLine } from '../../src/localcloud/control/status.ts';
import {
  kernelOomLine,
  oomFailureLines,
  startLimit,
  startLimitLines,
  unitName,
} from '../../src/localcloud/nodes/oom-restart.ts';
import { diagnosticsView } from '../../src/localcloud/providers/compute/diagnostics.ts';

describe("systemd's start limit", () => {
  it('allows five restarts within 60 s and refuses the sixth', () => {
    const limit = startLimit(5, 60_000);
    const verdicts = [0, 1000, 2000, 3000, 4000, 5000].map((at) => limit.restart(at));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, true, true, false]);
    expect(verdicts.map((v) => v.count)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('forgets restarts older than the interval, while the counter keeps counting', () => {
    const limit = startLimit(2, 10_000);
    expect(limit.restart(0)).toEqual({ allowed: true, count: 1 });
    expect(limit.restart(5000)).toEqual({ allowed: true, count: 2 });
    expect(limit.restart(10_001)).toEqual({ allowed: true, count: 3 });
    expect(limit.restart(10_002)).toEqual({ allowed: false, count: 4 });
  });
});

describe('the console lines', () => {
  it("the kernel's report of the kill, as dmesg shows it", () => {
    expect(
      kernelOomLine({
        pid: 4242,
        name: 'node',
        uid: 0,
        totalVmKib: 1_094_304,
        anonRssKib: 101_376,
        fileRssKib: 34_612,
        shmemRssKib: 0,
        pgtablesKib: 664,
      }),
    ).toBe(
      'Out of memory: Killed process 4242 (node) total-vm:1094304kB, anon-rss:101376kB, file-rss:34612kB, shmem-rss:0kB, UID:0 pgtables:664kB oom_score_adj:0',
    );
  });

  it("systemd's, for a restart and for giving up", () => {
    const unit = unitName('faafo worker');
    expect(unit).toBe('faafo-worker.service');
    expect(oomFailureLines(unit, 2)).toEqual([
      'faafo-worker.service: A process of this unit has been killed by the OOM killer.',
      'faafo-worker.service: Main process exited, code=killed, status=9/KILL',
      "faafo-worker.service: Failed with result 'oom-kill'.",
      'faafo-worker.service: Scheduled restart job, restart counter is at 2.',
      'Stopped faafo-worker.service.',
    ]);
    expect(startLimitLines(unit)).toEqual([
      'faafo-worker.service: Start request repeated too quickly.',
      "faafo-worker.service: Failed with result 'oom-kill'.",
      'Failed to start faafo-worker.service.',
    ]);
  });
});

describe('where the memory mechanism shows', () => {
  it('`cloud status` has one line for it, beside the CPU line', () => {
    expect(memoryLine(undefined)).toBeUndefined();
    expect(
      memoryLine({ mechanism: 'cgroup-v1', description: 'cgroup v1 memory limit (memory.limit_in_bytes)' }),
    ).toBe(
      "Memory: nodes are held to their flavor's RAM by cgroup v1 memory limit (memory.limit_in_bytes); a node over it has a process killed and restarted, as a VM's OOM killer and systemd would.",
    );
  });

  it('the diagnostics carry it as local-cloud:memory-limit, with memory-rss as it measures', () => {
    const view = diagnosticsView(512, {
      mechanism: 'duty-cycle',
      vcpus: 1,
      cores: 0.33,
      loadAverage: [0, 0, 0],
      cpuSeconds: 1,
      rssKib: 150_000,
      memoryLimit: 'watch',
    });
    expect(view).toMatchObject({
      memory: 512 * 1024,
      'memory-rss': 150_000,
      'local-cloud:memory-limit': 'watch',
    });
  });
});
