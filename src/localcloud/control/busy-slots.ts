// Slots whose addresses something still listens on. A cloud killed outright (SIGKILL, a crash)
// leaves its nodes' services running on 127.S.1.x, and its claim in the registry dies with it; a new
// cloud taking slot S would find its nodes' ports held and its nodes in ERROR. So a slot with a
// listener on one of its node or floating addresses is not free, whoever claims it. Read from
// Linux's /proc/net/tcp; where there is none (macOS), only the claims count.
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { classify } from '../nodes/addresses.ts';

const LISTEN = '0A';

/** An IPv4 address as /proc/net/tcp writes it: the 32-bit value in hex, in the host's byte order. */
export function procAddress(hex: string, order: 'LE' | 'BE' = endianness()): string | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return (order === 'LE' ? bytes.reverse() : bytes).join('.');
}

/** The slots with a listening socket on a node (127.S.1.x) or floating (127.S.2.x) address. */
export function slotsListenedOn(procNetTcp: string, order: 'LE' | 'BE' = endianness()): Set<number> {
  const slots = new Set<number>();
  for (const line of procNetTcp.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[3] !== LISTEN) continue;
    const address = procAddress(fields[1]?.split(':')[0] ?? '', order);
    const slot = address?.startsWith('127.') ? Number(address.split('.')[1]) : undefined;
    if (slot === undefined || !address) continue;
    const range = classify(address, slot)?.range;
    if (range === 'loopback' || range === 'floating') slots.add(slot);
  }
  return slots;
}

/** This host's slots with listeners now; none known where /proc/net/tcp cannot be read. */
export function busySlots(file = '/proc/net/tcp'): Set<number> {
  try {
    return slotsListenedOn(readFileSync(file, 'utf8'));
  } catch {
    return new Set();
  }
}
