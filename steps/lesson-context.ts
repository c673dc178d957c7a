// What every step is given, as the guide's code had it from its earlier sections: a connection
// (`conn`), the image and the flavor new servers boot from. The steps find everything else —
// groups, servers, addresses — in the cloud itself, so each runs in a fresh process.
import type { Connection } from '../src/cloud/driver.ts';
import {
  type FloatingIp,
  type Image,
  isBooting,
  type Node,
  type SecurityGroup,
  type Size,
} from '../src/cloud/models.ts';
import { VERSION } from '../src/version.ts';

export type { Connection, FloatingIp, Image, Node, SecurityGroup, Size };

export interface StepContext {
  image: Image;
  flavor: Size;
}

/**
 * The faafo installer the userdata runs on each new server (the guide fetched faafo's
 * contrib/install.sh from git.openstack.org). On a real cloud the VM downloads ours from npm's CDN;
 * the local cloud reads the same command and starts the roles it names as local processes.
 */
export const INSTALLER_URL =
  process.env.FAAFO_INSTALLER_URL || `https://unpkg.com/faafo-tutor@${VERSION}/contrib/install.sh`;

/** The security group of that name, made by an earlier step. */
export async function findSecurityGroup(conn: Connection, name: string): Promise<SecurityGroup> {
  const group = (await conn.exListSecurityGroups()).find((g) => g.name === name);
  if (!group) throw new Error(`There is no security group '${name}' yet: run step 2 first.`);
  return group;
}

/**
 * The server of that name, made by an earlier step — once it is up, if it is still booting (a cloud
 * started again boots its servers anew, and Nova shows their addresses only once they are up).
 */
export async function findNode(conn: Connection, name: string, madeBy: string): Promise<Node> {
  const node = (await conn.listNodes()).find((n) => n.name === name);
  if (!node) throw new Error(`There is no server '${name}' yet: run ${madeBy} first.`);
  if (isBooting(node)) return (await conn.waitUntilRunning([node]))[0][0];
  return node;
}
