// The host's busy cores (src/lab/host-cpu.ts) from /proc/stat's text: idle and iowait are idle,
// everything else (steal included) is busy; the meter reads a file every interval and says why when
// there is none. The live file is read once too, to check the parser against this kernel's format.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  busyCores,
  type HostCpuSample,
  hostCpuMeter,
  parseProcStat,
  readHostCpu,
} from '../../src/lab/host-cpu.ts';

const dir = mkdtempSync(join(tmpdir(), 'lab-host-cpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// user nice system idle iowait irq softirq steal guest guest_nice
const stat = (user: number, idle: number, iowait = 0, steal = 0) =>
  `cpu  ${user} 0 0 ${idle} ${iowait} 0 0 ${steal} 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n`;

describe('host CPU from /proc/stat', () => {
  it('parses the aggregate line: busy is all but idle and iowait', () => {
    expect(parseProcStat(stat(300, 600, 100, 50))).toEqual({ busy: 350, total: 1050 });
    expect(parseProcStat('intr 1 2\n')).toBeUndefined();
    expect(parseProcStat('cpu  a b c d\n')).toBeUndefined();
  });

  it('turns two readings into busy cores', () => {
    // 2 cores: 200 jiffies passed, 100 busy → one core's worth.
    expect(busyCores({ busy: 100, total: 1000 }, { busy: 200, total: 1200 }, 2)).toBe(1);
    expect(busyCores({ busy: 100, total: 1000 }, { busy: 100, total: 1000 }, 2)).toBe(0);
  });

  it('meters busy cores between readings of the file, and says why when there is none', async () => {
    const file = join(dir, 'stat');
    writeFileSync(file, stat(0, 1000));
    const samples: HostCpuSample[] = [];
    for await (const sample of hostCpuMeter({ file, intervalMs: 50, maxSamples: 2 })) {
      samples.push(sample);
      writeFileSync(file, stat(500, 1500)); // half of the next 1000 jiffies busy
    }
    const [first, second] = samples;
    if (first?.unavailable !== undefined || second?.unavailable !== undefined) throw new Error('unavailable');
    expect(first!.busyCores).toBeNull();
    expect(second!.busyCores).toBeCloseTo(second!.cores / 2, 10);

    const missing: HostCpuSample[] = [];
    for await (const s of hostCpuMeter({ file: join(dir, 'none'), maxSamples: 1 })) missing.push(s);
    expect(missing[0]).toMatchObject({ unavailable: expect.stringMatching(/no \/proc\/stat/) });
  });

  it('reads this machine’s /proc/stat', () => {
    const now = readHostCpu();
    if (process.platform !== 'linux') return expect(now).toBeUndefined();
    expect(now!.total).toBeGreaterThan(now!.busy);
    expect(now!.busy).toBeGreaterThan(0);
  });
});
