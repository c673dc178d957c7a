// What one student's lesson needs of a cloud, read from the lesson itself (steps/lesson.ts): the
// most servers alive at once (the prelude's two are removed by step 1 before steps 4–6 make six),
// the floating IPs, security groups and rules, and the key pair. A student's quotas are that plus a
// small margin (the hands-on chapter's extra worker, a server replaced after an ERROR, a rerun), and
// the host's headroom counts the servers' flavor (vCPUs, RAM) once per student.
import { GROUPS, LESSON, NODES } from '../../../steps/lesson.ts';

export interface LessonNeeds {
  /** The most of the lesson's servers alive at once. */
  servers: number;
  /** Servers the lesson gives a floating IP (each may keep its own). */
  floatingIps: number;
  /** The lesson's own groups (not counting `default`). */
  securityGroups: number;
  /** Ingress rules the lesson adds to its groups. */
  securityGroupRules: number;
  keyPairs: number;
}

export function lessonNeeds(): LessonNeeds {
  let alive = new Set<string>();
  let servers = 0;
  for (const step of LESSON) {
    // Step 1 removes every server of the lesson before the scaled-out topology is built.
    if (step.id === 'step-1') alive = new Set();
    for (const name of step.creates) alive.add(name);
    servers = Math.max(servers, alive.size);
  }
  const groups = Object.values(GROUPS);
  return {
    servers,
    floatingIps: Object.values(NODES).filter((n) => n.floatingIp).length,
    securityGroups: groups.length,
    securityGroupRules: groups.reduce((sum, g) => sum + g.rules.length, 0),
    keyPairs: 1,
  };
}

/** A flavor's size, as Nova lists it. */
export interface FlavorSize {
  name: string;
  vcpus: number;
  ram: number;
}

export interface ComputeQuota {
  instances: number;
  cores: number;
  /** MB */
  ram: number;
  key_pairs: number;
}

export interface NetworkQuota {
  floatingip: number;
  security_group: number;
  security_group_rule: number;
}

export interface StudentQuota {
  compute: ComputeQuota;
  network: NetworkQuota;
}

/** Above what the lesson needs: the hands-on chapter's fourth worker and one server remade after an ERROR. */
const EXTRA_SERVERS = 2;
/** Neutron gives every new group two egress rules (IPv4, IPv6). */
const EGRESS_RULES_PER_GROUP = 2;
/** `default` holds four: egress and ingress from itself, each for IPv4 and IPv6. */
const DEFAULT_GROUP_RULES = 4;
/** Room for a student's own experiment (a rule added by hand, a group made twice by mistake). */
const EXTRA_RULES = 10;

/** The Nova and Neutron quotas a student's project gets for the lesson on `flavor`. */
export function studentQuota(needs: LessonNeeds, flavor: FlavorSize): StudentQuota {
  const instances = needs.servers + EXTRA_SERVERS;
  const groups = needs.securityGroups + 1; // and `default`
  return {
    compute: {
      instances,
      cores: instances * flavor.vcpus,
      ram: instances * flavor.ram,
      key_pairs: needs.keyPairs + 1,
    },
    network: {
      floatingip: needs.floatingIps + 1,
      security_group: groups + 1,
      security_group_rule:
        needs.securityGroupRules +
        needs.securityGroups * EGRESS_RULES_PER_GROUP +
        DEFAULT_GROUP_RULES +
        EXTRA_RULES,
    },
  };
}

/** What one student's topology takes of a host: the lesson's servers at the flavor's size. */
export function studentFootprint(needs: LessonNeeds, flavor: FlavorSize): { vcpus: number; ramMb: number } {
  return { vcpus: needs.servers * flavor.vcpus, ramMb: needs.servers * flavor.ram };
}
