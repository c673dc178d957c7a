// Where a cloud's CPU cgroups go on a host, from /proc/self/mounts and /proc/self/cgroup as the
// kernel writes them (v1 with cpu and cpuacct apart or together, v2 with the process in a
// delegated group), and what the v2 mechanism writes: `+cpu` down to the nodes and `cpu.max`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CFS_PERIOD_US,
  cgroupMechanism,
  cloudGroupDirs,
  cloudGroupName,
  readCgroupHost,
} from '../../src/localcloud/nodes/limits/cgroup.ts';

const V1_APART = [
  'tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0',
  'cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0',
  'cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0',
  'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0',
  'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0',
].join('\n');

describe('the cgroup host', () => {
  it('v1 with cpu and cpuacct mounted apart, and an empty v2 beside them', () => {
    const host = readCgroupHost(V1_APART, '4:memory:/x\n2:cpuacct:/\n1:cpu:/\n0::/\n');
    expect(host).toEqual({
      v2: { mount: '/sys/fs/cgroup/unified', own: '/' },
      v1: { cpu: '/sys/fs/cgroup/cpu', cpuOwn: '/', cpuacct: '/sys/fs/cgroup/cpuacct', cpuacctOwn: '/' },
    });
    const name = cloudGroupName('/data/cloud');
    expect(name).toMatch(/^faafo-cloud-[0-9a-f]{12}$/);
    expect(cloudGroupName('/data/other')).not.toBe(name);
    expect(cloudGroupDirs('/data/cloud', host)).toEqual([
      `/sys/fs/cgroup/unified/${name}`,
      `/sys/fs/cgroup/cpu/${name}`,
      `/sys/fs/cgroup/cpuacct/${name}`,
    ]);
  });

  it('v1 with cpu,cpuacct together, the process in a group of its own', () => {
    const host = readCgroupHost(
      'cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,cpu,cpuacct 0 0\n',
      '3:cpu,cpuacct:/user.slice\n',
    );
    expect(host.v1).toEqual({
      cpu: '/sys/fs/cgroup/cpu,cpuacct',
      cpuOwn: '/user.slice',
      cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
      cpuacctOwn: '/user.slice',
    });
    expect(cloudGroupDirs('/d', host)).toEqual([
      `/sys/fs/cgroup/cpu,cpuacct/user.slice/${cloudGroupName('/d')}`,
    ]);
  });

  it('v2 only (a systemd laptop): the group the process is in', () => {
    const host = readCgroupHost(
      'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0\n',
      '0::/user.slice/user-1000.slice/user@1000.service/app.slice/faafo.scope\n',
    );
    expect(host).toEqual({
      v2: {
        mount: '/sys/fs/cgroup',
        own: '/user.slice/user-1000.slice/user@1000.service/app.slice/faafo.scope',
      },
    });
  });
});

describe('the v2 mechanism on a delegated group', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('enables cpu down to the nodes and writes their quota to cpu.max', () => {
    // A stand-in for the cgroup2 mount: the files the kernel would show in the delegated group.
    root = mkdtempSync(join(tmpdir(), 'cgroup2-'));
    const own = join(root, 'app.slice');
    mkdirSync(own);
    writeFileSync(join(own, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    writeFileSync(join(own, 'cgroup.subtree_control'), '');
    const mechanism = cgroupMechanism('/data/cloud', { v2: { mount: root, own: '/app.slice' } });
    expect(mechanism?.kind).toBe('cgroup-v2');
    const parent = join(own, cloudGroupName('/data/cloud'));
    expect(readFileSync(join(own, 'cgroup.subtree_control'), 'utf8')).toBe('+cpu');
    expect(readFileSync(join(parent, 'cgroup.subtree_control'), 'utf8')).toBe('+cpu');
    // The nodes together weigh as eight busy programs beside them: the host's other work waits.
    expect(readFileSync(join(parent, 'cpu.weight'), 'utf8')).toBe('800');
    mechanism!.forNode('node-1', 0.25);
    expect(readFileSync(join(parent, 'node-1', 'cpu.max'), 'utf8')).toBe(`25000 ${CFS_PERIOD_US}`);
  });

  it('is not used where the group has no cpu controller to give', () => {
    root = mkdtempSync(join(tmpdir(), 'cgroup2-'));
    writeFileSync(join(root, 'cgroup.controllers'), 'memory pids\n');
    expect(cgroupMechanism('/data/cloud', { v2: { mount: root, own: '/' } })).toBeUndefined();
  });
});
