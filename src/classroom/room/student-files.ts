// What a student downloads from the board to reach their own project: a clouds.yaml with one cloud
// and the same credentials as an openrc. Both name the room's cloud the way the admin's clouds.yaml
// does (auth URL, region, interface), with the student's own user, password and project, so the
// openstack CLI, the tutor (`--cloud faafo-classroom`) and the notebooks all find it unchanged.
import { stringify } from 'yaml';
import type { StudentCloud } from '../room-cloud.ts';

/** The cloud's name inside the student's clouds.yaml (`--os-cloud` / `--cloud` / OS_CLOUD). */
export const STUDENT_CLOUD_NAME = 'faafo-classroom';

export interface StudentCredentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  /** The Keystone domain of the user and the project (by name, as openrc files give it). */
  domainName: string;
  region: string;
  interface: 'public' | 'internal' | 'admin';
  /** Shown in the files' first line: which room this is for. */
  room: string;
}

/** `value` as one shell word, quoted only when it must be. */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function studentCloudsYaml(c: StudentCredentials): string {
  const clouds = {
    clouds: {
      [STUDENT_CLOUD_NAME]: {
        auth: {
          auth_url: c.authUrl,
          username: c.username,
          password: c.password,
          project_name: c.projectName,
          user_domain_name: c.domainName,
          project_domain_name: c.domainName,
        },
        region_name: c.region,
        interface: c.interface,
        identity_api_version: 3,
      },
    },
  };
  return `# Your own project in the classroom '${c.room}'. Save as clouds.yaml (or point OS_CLIENT_CONFIG_FILE at it),\n# then: openstack --os-cloud ${STUDENT_CLOUD_NAME} server list   or   npx faafo-tutor --cloud ${STUDENT_CLOUD_NAME}\n${stringify(clouds)}`;
}

export function studentOpenrc(c: StudentCredentials): string {
  const variables: Array<[string, string]> = [
    ['OS_AUTH_URL', c.authUrl],
    ['OS_USERNAME', c.username],
    ['OS_PASSWORD', c.password],
    ['OS_PROJECT_NAME', c.projectName],
    ['OS_USER_DOMAIN_NAME', c.domainName],
    ['OS_PROJECT_DOMAIN_NAME', c.domainName],
    ['OS_REGION_NAME', c.region],
    ['OS_INTERFACE', c.interface],
    ['OS_IDENTITY_API_VERSION', '3'],
  ];
  return [
    `# Your own project in the classroom '${c.room}': source this file (. ./openrc), then run openstack or faafo-tutor.`,
    // Variables of another cloud would override these (OS_CLOUD above all): unset them first.
    'unset OS_CLOUD OS_TOKEN OS_AUTH_TYPE OS_PROJECT_ID OS_TENANT_ID OS_TENANT_NAME OS_DOMAIN_NAME OS_DOMAIN_ID OS_USER_DOMAIN_ID OS_PROJECT_DOMAIN_ID',
    ...variables.map(([name, value]) => `export ${name}=${shellWord(value)}`),
    '',
  ].join('\n');
}

export function studentCloud(c: StudentCredentials): StudentCloud {
  return { cloudsYaml: studentCloudsYaml(c), openrc: studentOpenrc(c), cloudName: STUDENT_CLOUD_NAME };
}
