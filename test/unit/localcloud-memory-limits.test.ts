// The pieces of the nodes' memory limits: where the memory controller is on a host (from
// /proc/self/mounts and /proc/self/cgroup as the kernel writes them), what the v2 and v1
// mechanisms write into a node's group and how they count the kernel's OOM kills, the watcher's
// choice of the process to kill, and FAAFO_CLOUD_MEMORY_LIMIT.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cloudGroupName } from '../../src/localcloud/nodes/limits/cgroup.ts';
import {
  memoryCgroupMechanism,
  memoryGroupDirs,
  oomKillCount,
  readMemoryCgroupHost,
} from '../../src/localcloud/nodes/limits/memory-cgroup.ts';
import { memoryLimitChoiceFrom } from '../../src/localcloud/nodes/limits/memory-limits.ts';
import { chooseOomVictim } from '../../src/localcloud/nodes/limits/memory-watch.ts';
import { readProcMemory } from '../../src/localcloud/nodes/limits/proc.ts';

describe('the memory controller on a host', () => {
  it('v1 memory mounted apart, the process in a group of its own, an empty v2 beside it', () => {
    const host = readMemoryCgroupHost(
      [
        'cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0',
        'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0',
        'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0',
      ].join('\n'),
      '4:memory:/process_api/abc\n1:cpu:/\n0::/\n',
    );
    expect(host).toEqual({
      v1: { mount: '/sys/fs/cgroup/memory', own: '/process_api/abc' },
      v2: { mount: '/sys/fs/cgroup/unified', own: '/' },
    });
    expect(memoryGroupDirs('/data/cloud', host)).toEqual([
      `/sys/fs/cgroup/memory/process_api/abc/${cloudGroupName('/data/cloud')}`,
    ]);
  });

  it('v2 only: no v1 memory group (the node groups are the CPU ones, reaped with them)', () => {
    const host = readMemoryCgroupHost(
      'cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n',
      '0::/user.slice/app.scope\n',
    );
    expect(host).toEqual({ v2: { mount: '/sys/fs/cgroup', own: '/user.slice/app.scope' } });
    expect(memoryGroupDirs('/d', host)).toEqual([]);
  });

  it("reads the kernel's OOM kill count from memory.oom_control and memory.events", () => {
    expect(oomKillCount('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n')).toBe(3);
    expect(oomKillCount('low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\noom_group_kill 0\n')).toBe(2);
    expect(oomKillCount('oom_kill_disable 0\nunder_oom 0\n')).toBe(0);
  });
});

describe('the v2 mechanism on a delegated group', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A stand-in for the cgroup2 mount: the files the kernel would show in the delegated group. */
  const delegated = (controllers: string) => {
    root = mkdtempSync(join(tmpdir(), 'cgroup2-memory-'));
    const own = join(root, 'app.slice');
    mkdirSync(own);
    writeFileSync(join(own, 'cgroup.controllers'), controllers);
    writeFileSync(join(own, 'cgroup.subtree_control'), '');
    return own;
  };

  it("enables memory down to the nodes, writes the flavor's RAM to memory.max and no swap", () => {
    const own = delegated('cpuset cpu io memory pids\n');
    const mechanism = memoryCgroupMechanism('/data/cloud', { v2: { mount: root, own: '/app.slice' } });
    expect(mechanism?.kind).toBe('cgroup-v2');
    const parent = join(own, cloudGroupName('/data/cloud'));
    expect(readFileSync(join(own, 'cgroup.subtree_control'), 'utf8')).toBe('+memory');
    expect(readFileSync(join(parent, 'cgroup.subtree_control'), 'utf8')).toBe('+memory');
    const node = mechanism!.forNode('node-1', 512);
    const dir = join(parent, 'node-1');
    expect(readFileSync(join(dir, 'memory.max'), 'utf8')).toBe(String(512 * 1024 * 1024));
    expect(readFileSync(join(dir, 'memory.swap.max'), 'utf8')).toBe('0');

    // What it measures: memory.current.
    writeFileSync(join(dir, 'memory.current'), `${300 * 1024 * 1024}\n`);
    expect(node.usageKib()).toBe(300 * 1024);

    // A process attached: moved into the group; a kill is its own only if the count rose since.
    writeFileSync(join(dir, 'memory.events'), 'oom 1\noom_kill 1\n');
    node.attach(process.pid);
    expect(readFileSync(join(dir, 'cgroup.procs'), 'utf8')).toBe(String(process.pid));
    expect(node.claimOomKill(process.pid)).toBeUndefined();
    writeFileSync(join(dir, 'memory.events'), 'oom 2\noom_kill 2\n');
    const kill = node.claimOomKill(process.pid);
    expect(kill).toMatchObject({ pid: process.pid, name: readProcMemory(process.pid)!.name });
    expect(kill!.anonRssKib).toBeGreaterThan(0);
    // Claimed once; another pid that was never attached claims nothing.
    expect(node.claimOomKill(process.pid)).toBeUndefined();
    expect(node.claimOomKill(1)).toBeUndefined();
    // No remove(): on this stand-in it would "kill what is left in the group", which is this test.
  });

  it('is not used where the group has no memory controller to give', () => {
    delegated('cpu pids\n');
    expect(memoryCgroupMechanism('/data/cloud', { v2: { mount: root, own: '/app.slice' } })).toBeUndefined();
  });
});

describe('the v1 mechanism', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("writes the flavor's RAM to memory.limit_in_bytes, the same bound for memory+swap, and moves charges in", () => {
    // A stand-in for the memory hierarchy: the kernel would fill each new group with these files.
    root = mkdtempSync(join(tmpdir(), 'cgroup1-memory-'));
    const parent = join(root, 'process_api', cloudGroupName('/data/cloud'));
    mkdirSync(parent, { recursive: true });
    writeFileSync(join(parent, 'memory.limit_in_bytes'), '9223372036854771712\n');
    const mechanism = memoryCgroupMechanism('/data/cloud', { v1: { mount: root, own: '/process_api' } });
    expect(mechanism?.kind).toBe('cgroup-v1');
    expect(mechanism?.description).toBe('cgroup v1 memory limit (memory.limit_in_bytes)');
    const node = mechanism!.forNode('node-1', 512);
    const dir = join(parent, 'node-1');
    expect(readFileSync(join(dir, 'memory.limit_in_bytes'), 'utf8')).toBe(String(512 * 1024 * 1024));
    expect(readFileSync(join(dir, 'memory.memsw.limit_in_bytes'), 'utf8')).toBe(String(512 * 1024 * 1024));
    expect(readFileSync(join(dir, 'memory.move_charge_at_immigrate'), 'utf8')).toBe('3');
    writeFileSync(join(dir, 'memory.usage_in_bytes'), `${100 * 1024 * 1024}\n`);
    expect(node.usageKib()).toBe(100 * 1024);
    writeFileSync(join(dir, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
    node.attach(process.pid);
    writeFileSync(join(dir, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    expect(node.claimOomKill(process.pid)?.pid).toBe(process.pid);
    // No remove(): on this stand-in it would "kill what is left in the group", which is this test.
  });
});

describe("the watcher's decision", () => {
  it('kills nothing while the node fits its RAM', () => {
    expect(chooseOomVictim([], 1000)).toBeUndefined();
    expect(
      chooseOomVictim(
        [
          { pid: 10, rssKib: 400 },
          { pid: 11, rssKib: 600 },
        ],
        1000,
      ),
    ).toBeUndefined();
  });

  it('over it, kills the process holding the most, even if another one grew last', () => {
    expect(
      chooseOomVictim(
        [
          { pid: 10, rssKib: 700 },
          { pid: 11, rssKib: 301 },
        ],
        1000,
      ),
    ).toBe(10);
    expect(
      chooseOomVictim(
        [
          { pid: 10, rssKib: 100 },
          { pid: 11, rssKib: 950 },
          { pid: 12, rssKib: 950 },
        ],
        1000,
      ),
    ).toBe(11);
  });
});

describe('FAAFO_CLOUD_MEMORY_LIMIT', () => {
  it('chooses the mechanism, auto when unset, and names the choices when mistyped', () => {
    expect(memoryLimitChoiceFrom({})).toBe('auto');
    expect(memoryLimitChoiceFrom({ FAAFO_CLOUD_MEMORY_LIMIT: 'watch' })).toBe('watch');
    expect(memoryLimitChoiceFrom({ FAAFO_CLOUD_MEMORY_LIMIT: 'cgroup' })).toBe('cgroup');
    expect(() => memoryLimitChoiceFrom({ FAAFO_CLOUD_MEMORY_LIMIT: 'rss' })).toThrow(
      "$FAAFO_CLOUD_MEMORY_LIMIT must be one of auto, cgroup, watch, none, not 'rss'.",
    );
  });
});
