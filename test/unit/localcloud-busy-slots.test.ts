// A slot something still listens in is not free (src/localcloud/control/busy-slots.ts): the services
// a killed cloud left on 127.S.1.x would otherwise hold the ports of the next cloud's nodes there.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { busySlots, procAddress, slotsListenedOn } from '../../src/localcloud/control/busy-slots.ts';
import { pickSlot } from '../../src/localcloud/control/slots.ts';

const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const row = (local: string, state: string) =>
  `   0: ${local} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000     0        0 1 1`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('slots something listens in', () => {
  it('reads /proc/net/tcp addresses in either byte order', () => {
    expect(procAddress('0301007F', 'LE')).toBe('127.0.1.3');
    expect(procAddress('7F000103', 'BE')).toBe('127.0.1.3');
    expect(procAddress('nothex!!', 'LE')).toBeUndefined();
  });

  it('counts listeners on node and floating addresses only, not the host name’s 127.0.1.1', () => {
    const text = [
      HEADER,
      row('0301007F:1F90', '0A'), // 127.0.1.3:8080 listening: slot 0
      row('0702047F:0016', '0A'), // 127.4.2.7:22 listening: slot 4
      row('0101017F:0035', '0A'), // 127.1.1.1:53 (a resolver on the host name): not a node address
      row('0309007F:1F90', '01'), // 127.9.0.3 established, not listening
      row('0305057F:1F90', '01'), // 127.5.5.3: not a slot range
      row('00000000:1628', '0A'), // 0.0.0.0:5672
    ].join('\n');
    expect([...slotsListenedOn(text, 'LE')].sort()).toEqual([0, 4]);
  });

  it('sees a real listener in a slot, and pickSlot passes over that slot', async () => {
    const slot = 211;
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, `127.${slot}.1.9`, resolve));
    const registry = mkdtempSync(join(tmpdir(), 'faafo-busy-slots-'));
    dirs.push(registry);
    try {
      const busy = busySlots();
      expect(busy.has(slot)).toBe(true);
      // Every slot below it taken by a live claim-free listener set: the next free one is past it.
      const below = new Set(Array.from({ length: slot }, (_, i) => i));
      expect(pickSlot(registry, new Set([...below, ...busy]))).toBe(slot + 1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(busySlots().has(slot)).toBe(false);
  });
});
