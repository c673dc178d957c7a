// What a cloud connection reports while it works, as data: a resource it found (and kept or
// replaced), one it created, a server it started again, the servers it is waiting for, a cloud
// being started for it. The step runner passes them on as its own events; the text printer, the
// tutor and the notebooks each show them their way, and nobody parses printed text.
//
// describeCloudEvent is the one text rendering (the printer's `  … ` lines); a created resource has
// none, as `faafo-tutor step N` never printed one (a step prints what it made itself).

export type ResourceKind = 'server' | 'security group' | 'security group rule' | 'floating IP' | 'key pair';

/** A server as a waiting event shows it: its name and Nova's status word (BUILD, REBOOT, …). */
export interface ServerStatus {
  name: string;
  status: string;
}

export type CloudEvent =
  /** No cloud was configured, so the caller's fallback is starting one (the local cloud). */
  | { type: 'cloud-starting'; cloud: string; dataDir: string }
  /**
   * A create found the resource there already: kept as it is, or (a server in ERROR) replaced.
   * `status` is Nova's status for a server, the rule count for a group.
   */
  | {
      type: 'found';
      kind: ResourceKind;
      name: string;
      status?: string;
      fault?: string;
      outcome: 'kept' | 'replaced';
    }
  | { type: 'created'; kind: ResourceKind; name: string; id: string }
  /** A stopped server a create found is being started again. */
  | { type: 'server-starting'; name: string }
  /** Servers not ready yet, with how long the wait has lasted (a new one when something changes, else every 10 s). */
  | { type: 'waiting'; servers: ServerStatus[]; elapsedS: number };

/** "rule" reads better than "security group rule" in "found rule TCP 22-22 to api: kept". */
const noun = (kind: ResourceKind) => (kind === 'security group rule' ? 'rule' : kind);

/** The event as one line for a person (without the printer's indent), or undefined when it says nothing new. */
export function describeCloudEvent(event: CloudEvent): string | undefined {
  switch (event.type) {
    case 'cloud-starting':
      return `starting ${event.cloud} (data in ${event.dataDir}) …`;
    case 'found':
      if (event.outcome === 'replaced') {
        return `found ${noun(event.kind)} ${event.name} in ${event.status} (${event.fault ?? 'no fault given'}): replacing it`;
      }
      return `found ${noun(event.kind)} ${event.name}${event.status ? ` (${event.status})` : ''}: kept`;
    case 'created':
      return undefined;
    case 'server-starting':
      return `starting ${event.name} again`;
    case 'waiting':
      return `waiting for ${event.servers.map((s) => `${s.name} ${s.status}`).join(', ')} (${event.elapsedS} s)`;
  }
}
