// The local cloud's whole state: one plain JSON-able object per cloud, shared by every provider
// (Nova's legacy proxies and Neutron/Glance read and write the SAME records, so the guide's libcloud
// code, pkgcloud and the openstack CLI all see one cloud). Persisted by store.ts.

export interface Project {
  id: string;
  name: string;
  domainId: string;
  /**
   * The seed's project only: its own members may change its quota (a single learner's cloud, so a
   * lesson can raise the instance limit). Projects an administrator made have quotas only the
   * administrator sets, so a student in a shared room cannot take more of the host than given.
   */
  membersSetQuota?: boolean;
}

export interface User {
  id: string;
  name: string;
  password: string;
  domainId: string;
  defaultProjectId: string;
}

/** A user's role on a project (Keystone's role assignment); a token scoped to a project needs one. */
export interface RoleAssignment {
  userId: string;
  projectId: string;
  roleId: string;
}

export interface Token {
  id: string;
  userId: string;
  projectId: string;
  issuedAt: string;
  expiresAt: string;
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number; // MiB
  disk: number; // GiB
}

export interface Image {
  id: string;
  name: string;
  createdAt: string;
  minDisk: number;
  minRam: number;
  size: number;
}

export interface Keypair {
  name: string;
  userId: string;
  publicKey: string;
  fingerprint: string;
  createdAt: string;
}

export interface Network {
  id: string;
  name: 'private' | 'public';
  projectId: string;
  external: boolean;
  /** Usable by every project (a provider network, as the seed's `private` is on a shared cloud). */
  shared?: boolean;
  subnetId: string;
  cidr: string;
}

export interface Port {
  id: string;
  networkId: string;
  deviceId: string; // server id
  macAddress: string;
  fixedIp: string;
  projectId: string;
}

export interface SecurityGroupRule {
  id: string;
  groupId: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null; // 'tcp' | 'udp' | 'icmp' | null (any)
  portMin: number | null;
  portMax: number | null;
  remoteIpPrefix: string | null;
  remoteGroupId: string | null;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  projectId: string;
  createdAt: string;
}

export interface FloatingIp {
  id: string;
  address: string; // a loopback address (127.N.2.x) that clients read as the floating IP
  pool: 'public';
  projectId: string;
  portId: string | null;
  serverId: string | null;
  fixedAddress: string | null;
  createdAt: string;
}

export type ServerStatus = 'BUILD' | 'ACTIVE' | 'SHUTOFF' | 'ERROR' | 'REBOOT' | 'DELETED';

export interface ServerFault {
  code: number;
  message: string;
  created: string;
  details?: string;
}

export interface Server {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  imageId: string;
  flavorId: string;
  keyName: string | null;
  securityGroupIds: string[];
  metadata: Record<string, string>;
  /** Userdata as the client sent it (base64). */
  userData: string | null;
  /** Whether the client asked for a config drive (Nova shows `config_drive: "True"`). */
  configDrive?: boolean;
  /** The description a client gave at microversion 2.19 or later (Nova shows null for none). */
  description?: string | null;
  status: ServerStatus;
  taskState: string | null;
  powerState: number; // 0 NOSTATE, 1 RUNNING, 4 SHUTDOWN
  fault: ServerFault | null;
  /** 10.N.0.x on network `private`: what clients read as the node's private address. */
  fixedIp: string;
  /** 127.N.1.x on network `public`: where the node's processes really listen. */
  loopbackIp: string;
  createdAt: string;
  updatedAt: string;
}

export interface Quota {
  instances: number;
  cores: number;
  ram: number;
  floatingIps: number;
  securityGroups: number;
  securityGroupRules: number;
  keyPairs: number;
}

export interface CloudState {
  version: 1;
  /** Which slot of the host's address space this cloud owns (127.<slot>.x.y, 10.<slot>.0.x). */
  slot: number;
  region: 'RegionOne';
  projects: Project[];
  users: User[];
  roleAssignments: RoleAssignment[];
  tokens: Token[];
  flavors: Flavor[];
  images: Image[];
  keypairs: Keypair[];
  networks: Network[];
  ports: Port[];
  securityGroups: SecurityGroup[];
  securityGroupRules: SecurityGroupRule[];
  floatingIps: FloatingIp[];
  servers: Server[];
  quotas: Record<string, Quota>; // by project id
}
