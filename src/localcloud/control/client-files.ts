// What real clients are given to find the cloud: its credentials as a clouds.yaml entry
// (`faafo-local`), as an openrc file and as `export OS_…` lines for eval, written into the data dir
// and, on request, merged into the user's own ~/.config/openstack/clouds.yaml. Beside them, the
// cloud's administrator (devstack's `admin` on project `admin`, a random password per cloud) as the
// entry `faafo-local-admin` and `openrc-admin`, for whoever sets up projects and users for a room.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { writeFileAtomicSync } from '../../shared/atomic-write.ts';
import { ADMIN_NAME, findRole } from '../model/identity.ts';
import type { CloudState } from '../state.ts';
import { CloudCliError } from './io.ts';
import type { CloudPaths } from './paths.ts';
import type { RunInfo } from './run-info.ts';
import { type DirRole, ensureUserDir } from './user-dir.ts';

/** The cloud's name in clouds.yaml (`openstack --os-cloud faafo-local`). */
export const CLOUD_NAME = 'faafo-local';

/** The administrator's entry in the same clouds.yaml (`openstack --os-cloud faafo-local-admin`). */
export const ADMIN_CLOUD_NAME = 'faafo-local-admin';

export interface CloudCredentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
}

export function credentialsOf(state: CloudState, run: RunInfo): CloudCredentials {
  const user = state.users[0];
  const project = user && state.projects.find((p) => p.id === user.defaultProjectId);
  if (!user || !project)
    throw new CloudCliError('the cloud state has no user; run `faafo-tutor cloud reset`.');
  return {
    authUrl: run.endpoints.identity,
    username: user.name,
    password: user.password,
    projectName: project.name,
  };
}

/** The seeded administrator's credentials (model/identity.ts ensureAdmin). */
export function adminCredentialsOf(state: CloudState, run: RunInfo): CloudCredentials {
  const adminRole = findRole('admin')!;
  const assignment = state.roleAssignments?.find(
    (a) => a.roleId === adminRole.id && state.users.some((u) => u.id === a.userId && u.name === ADMIN_NAME),
  );
  const user = assignment && state.users.find((u) => u.id === assignment.userId);
  const project = assignment && state.projects.find((p) => p.id === assignment.projectId);
  if (!user || !project)
    throw new CloudCliError(
      'the cloud state has no administrator yet; start the cloud once (`faafo-tutor cloud up`) and it adds one.',
    );
  return {
    authUrl: run.endpoints.identity,
    username: user.name,
    password: user.password,
    projectName: project.name,
  };
}

export function cloudsYamlEntry(c: CloudCredentials) {
  return {
    auth: {
      auth_url: c.authUrl,
      username: c.username,
      password: c.password,
      project_name: c.projectName,
      user_domain_name: 'Default',
      project_domain_name: 'Default',
    },
    region_name: 'RegionOne',
    interface: 'public',
    identity_api_version: 3,
    // For openstacksdk: every server here has a port on `private` and one on the external `public`
    // (its loopback address), both with a gateway. Without this the SDK takes `public` as the network
    // to NAT a floating IP to (Neutron refuses the association) and a server's loopback address as its
    // public one (delete_server(delete_ips=True) then misses its floating IP). The guide's public
    // address is the floating IP. Real clouds with such networks say the same in clouds.yaml.
    networks: [
      { name: 'private', nat_destination: true, default_interface: true, routes_externally: false },
      { name: 'public', routes_externally: false },
    ],
  };
}

/** The OS_* variables, in the order openrc files list them. */
export function envVariables(c: CloudCredentials): Array<[string, string]> {
  return [
    ['OS_AUTH_URL', c.authUrl],
    ['OS_USERNAME', c.username],
    ['OS_PASSWORD', c.password],
    ['OS_PROJECT_NAME', c.projectName],
    ['OS_USER_DOMAIN_NAME', 'Default'],
    ['OS_PROJECT_DOMAIN_NAME', 'Default'],
    ['OS_REGION_NAME', 'RegionOne'],
    ['OS_IDENTITY_API_VERSION', '3'],
  ];
}

const shellQuote = (value: string) =>
  /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;

/** `export OS_…` lines for eval; stale variables of another cloud that would override them are unset first. */
export function envScript(c: CloudCredentials): string {
  const lines = [
    'unset OS_CLOUD OS_TOKEN OS_AUTH_TYPE OS_PROJECT_ID OS_TENANT_ID OS_TENANT_NAME OS_DOMAIN_NAME OS_DOMAIN_ID',
  ];
  for (const [name, value] of envVariables(c)) lines.push(`export ${name}=${shellQuote(value)}`);
  return `${lines.join('\n')}\n`;
}

/** clouds.yaml and openrc (and openrc-admin) in the data dir, for the cloud that runs now. */
export function writeClientFiles(paths: CloudPaths, c: CloudCredentials, admin?: CloudCredentials): void {
  const doc = parseDocument('clouds: {}\n');
  doc.setIn(['clouds', CLOUD_NAME], cloudsYamlEntry(c));
  if (admin) doc.setIn(['clouds', ADMIN_CLOUD_NAME], cloudsYamlEntry(admin));
  writeFileAtomicSync(
    paths.cloudsYaml,
    `# The faafo-tutor local cloud (faafo-tutor cloud up).\n${String(doc)}`,
  );
  writeFileAtomicSync(
    paths.openrc,
    `# The faafo-tutor local cloud: source this file, or eval "$(faafo-tutor cloud env)".\n${envScript(c)}`,
  );
  if (admin) {
    writeFileAtomicSync(
      paths.openrcAdmin,
      `# The faafo-tutor local cloud's administrator: source this file, or eval "$(faafo-tutor cloud env --admin)".\n${envScript(admin)}`,
    );
  }
}

const USER_CONFIG_DIR: DirRole = {
  what: 'the directory of your OpenStack clouds.yaml',
  fix: 'Fix $XDG_CONFIG_HOME (or ~/.config), or leave out --user-clouds-yaml.',
};

/** Adds or replaces the `faafo-local` entry of ~/.config/openstack/clouds.yaml, keeping the rest as it is. */
export function mergeUserCloudsYaml(c: CloudCredentials, env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  const file = join(configHome, 'openstack', 'clouds.yaml');
  ensureUserDir(dirname(file), USER_CONFIG_DIR, 0o700);
  if (existsSync(file) && !statSync(file).isFile())
    throw new CloudCliError(`${file} is not a file; remove it, or leave out --user-clouds-yaml.`);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const doc = parseDocument(text.trim() === '' ? 'clouds: {}\n' : text);
  if (doc.errors.length > 0) {
    throw new CloudCliError(
      `${file} is not valid YAML (${doc.errors[0]!.message}); fix it or remove it first.`,
    );
  }
  doc.setIn(['clouds', CLOUD_NAME], cloudsYamlEntry(c));
  writeFileAtomicSync(file, String(doc));
  return file;
}
