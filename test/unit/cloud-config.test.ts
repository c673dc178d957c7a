// Which OpenStack cloud to talk to (src/cloud/config.ts): clouds.yaml (+ secure.yaml) by name, the
// OS_* variables, or the local cloud. Real files in temp dirs; env and cwd always passed explicitly,
// so the developer's own ~/.config/openstack and OS_* never matter.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudConfigError, cloudsYamlPaths, resolveCloud } from '../../src/cloud/config.ts';

const PASSWORD = 'Sup3r-s3cret!';

/** A cloud's auth as resolved for alice in project lab with nothing else given: every default. */
const ALICE_IN_LAB_WITH_DEFAULTS = {
  username: 'alice',
  password: PASSWORD,
  projectName: 'lab',
  userDomainName: 'Default',
  projectDomainName: 'Default',
  region: 'RegionOne',
  identityApiVersion: '3',
  insecure: false,
};

let root: string;
let cwd: string;
let home: string;
let xdg: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'faafo-cloud-config-'));
  cwd = join(root, 'work');
  home = join(root, 'home');
  xdg = join(root, 'xdg');
  for (const dir of [cwd, home, xdg]) mkdirSync(dir, { recursive: true });
  // No real XDG_CONFIG_DIRS either: /etc/xdg/openstack and /etc/openstack are searched last, and the
  // cloud names used here (faafo-test-…) are not expected to be in them.
  env = { HOME: home, XDG_CONFIG_HOME: xdg, XDG_CONFIG_DIRS: join(root, 'etc-xdg') };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(file: string, text: string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** A clouds.yaml with one password cloud per name, each with its own auth_url. */
function cloudsYaml(names: string[], extra = ''): string {
  const clouds = names
    .map(
      (name) => `  ${name}:
    auth:
      auth_url: http://${name}.example:5000/v3
      username: alice
      password: ${PASSWORD}
      project_name: lab
${extra}`,
    )
    .join('');
  return `clouds:\n${clouds}`;
}

function errorOf(fn: () => unknown): CloudConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CloudConfigError);
    const message = (e as Error).message;
    expect(message).not.toContain(PASSWORD);
    expect(message).not.toContain('\n');
    return e as CloudConfigError;
  }
  throw new Error('expected a CloudConfigError');
}

describe('cloudsYamlPaths', () => {
  it('searches OS_CLIENT_CONFIG_FILE, the working directory, XDG_CONFIG_HOME, ~/.config, then the system dirs', () => {
    expect(cloudsYamlPaths({ ...env, OS_CLIENT_CONFIG_FILE: 'my/clouds.yaml' }, cwd)).toEqual([
      join(cwd, 'my/clouds.yaml'),
      join(cwd, 'clouds.yaml'),
      join(cwd, 'clouds.yml'),
      join(xdg, 'openstack/clouds.yaml'),
      join(xdg, 'openstack/clouds.yml'),
      join(home, '.config/openstack/clouds.yaml'),
      join(home, '.config/openstack/clouds.yml'),
      join(root, 'etc-xdg/openstack/clouds.yaml'),
      join(root, 'etc-xdg/openstack/clouds.yml'),
      '/etc/openstack/clouds.yaml',
      '/etc/openstack/clouds.yml',
    ]);
  });

  it('without XDG variables: ~/.config/openstack and /etc/xdg/openstack', () => {
    expect(cloudsYamlPaths({ HOME: home }, cwd)).toEqual([
      join(cwd, 'clouds.yaml'),
      join(cwd, 'clouds.yml'),
      join(home, '.config/openstack/clouds.yaml'),
      join(home, '.config/openstack/clouds.yml'),
      '/etc/xdg/openstack/clouds.yaml',
      '/etc/xdg/openstack/clouds.yml',
      '/etc/openstack/clouds.yaml',
      '/etc/openstack/clouds.yml',
    ]);
  });
});

describe('a named cloud from clouds.yaml', () => {
  it('reads the cloud with its defaults: domains Default, region RegionOne, identity v3, verified TLS', () => {
    const file = write(join(xdg, 'openstack/clouds.yaml'), cloudsYaml(['faafo-test-lab']));
    const resolved = resolveCloud({ cloud: 'faafo-test-lab', env, cwd });
    expect(resolved).toEqual({
      source: { kind: 'clouds.yaml', name: 'faafo-test-lab', file },
      auth: {
        authUrl: 'http://faafo-test-lab.example:5000/v3',
        ...ALICE_IN_LAB_WITH_DEFAULTS,
      },
      label: `cloud 'faafo-test-lab' from ${file}`,
    });
    expect(resolved.label).not.toContain(PASSWORD);
  });

  it('takes OS_CLOUD when there is no --cloud, and --cloud beats OS_CLOUD', () => {
    write(join(cwd, 'clouds.yaml'), cloudsYaml(['faafo-test-a', 'faafo-test-b']));
    const byEnv = resolveCloud({ env: { ...env, OS_CLOUD: 'faafo-test-a' }, cwd });
    expect(byEnv.auth?.authUrl).toBe('http://faafo-test-a.example:5000/v3');
    const byFlag = resolveCloud({ cloud: 'faafo-test-b', env: { ...env, OS_CLOUD: 'faafo-test-a' }, cwd });
    expect(byFlag.auth?.authUrl).toBe('http://faafo-test-b.example:5000/v3');
    expect(byFlag.source).toMatchObject({ name: 'faafo-test-b' });
  });

  it('a cloud name beats the OS_* variables', () => {
    write(join(cwd, 'clouds.yaml'), cloudsYaml(['faafo-test-a']));
    const resolved = resolveCloud({
      cloud: 'faafo-test-a',
      env: { ...env, OS_AUTH_URL: 'http://other:5000/v3', OS_USERNAME: 'bob', OS_REGION_NAME: 'Elsewhere' },
      cwd,
    });
    expect(resolved.source.kind).toBe('clouds.yaml');
    expect(resolved.auth).toMatchObject({ username: 'alice', region: 'RegionOne' });
  });

  it('the working directory beats XDG_CONFIG_HOME, and OS_CLIENT_CONFIG_FILE beats both', () => {
    const inXdg = write(join(xdg, 'openstack/clouds.yaml'), cloudsYaml(['faafo-test-lab']));
    const inCwd = write(
      join(cwd, 'clouds.yaml'),
      cloudsYaml(['faafo-test-lab']).replace('faafo-test-lab.example', 'cwd.example'),
    );
    const custom = write(
      join(root, 'custom/my-clouds.yaml'),
      cloudsYaml(['faafo-test-lab']).replace('faafo-test-lab.example', 'custom.example'),
    );
    expect(resolveCloud({ cloud: 'faafo-test-lab', env, cwd }).source).toMatchObject({ file: inCwd });
    const overridden = resolveCloud({
      cloud: 'faafo-test-lab',
      env: { ...env, OS_CLIENT_CONFIG_FILE: custom },
      cwd,
    });
    expect(overridden.source).toMatchObject({ file: custom });
    expect(overridden.auth?.authUrl).toBe('http://custom.example:5000/v3');
    rmSync(inCwd);
    rmSync(custom);
    expect(resolveCloud({ cloud: 'faafo-test-lab', env, cwd }).source).toMatchObject({ file: inXdg });
  });

  it('XDG_CONFIG_HOME beats ~/.config, and a .yml file counts too', () => {
    write(join(home, '.config/openstack/clouds.yaml'), cloudsYaml(['faafo-test-lab']));
    const yml = write(join(xdg, 'openstack/clouds.yml'), cloudsYaml(['faafo-test-lab']));
    expect(resolveCloud({ cloud: 'faafo-test-lab', env, cwd }).source).toMatchObject({ file: yml });
  });

  it('goes on to the next file when the first one lacks the cloud', () => {
    write(join(cwd, 'clouds.yaml'), cloudsYaml(['faafo-test-other']));
    const file = write(join(home, '.config/openstack/clouds.yaml'), cloudsYaml(['faafo-test-lab']));
    expect(resolveCloud({ cloud: 'faafo-test-lab', env, cwd }).source).toMatchObject({ file });
  });

  it('merges secure.yaml from the same directory over the cloud (the password, say)', () => {
    const dir = join(xdg, 'openstack');
    write(
      join(dir, 'clouds.yaml'),
      `clouds:
  faafo-test-lab:
    auth:
      auth_url: https://keystone.example/v3
      username: alice
      project_name: lab
    region_name: North
`,
    );
    write(
      join(dir, 'secure.yaml'),
      `clouds:
  faafo-test-lab:
    auth:
      password: ${PASSWORD}
      project_name: lab2
`,
    );
    // A secure.yaml elsewhere is not the one.
    write(join(cwd, 'secure.yaml'), 'clouds:\n  faafo-test-lab:\n    auth:\n      password: wrong\n');
    const resolved = resolveCloud({ cloud: 'faafo-test-lab', env, cwd });
    expect(resolved.auth).toMatchObject({
      authUrl: 'https://keystone.example/v3',
      username: 'alice',
      password: PASSWORD,
      projectName: 'lab2',
      region: 'North',
    });
  });

  it('takes secure.yml too', () => {
    const dir = join(cwd, 'conf');
    write(join(dir, 'clouds.yaml'), cloudsYaml(['faafo-test-lab']).replace(`password: ${PASSWORD}`, ''));
    write(join(dir, 'secure.yml'), `clouds:\n  faafo-test-lab:\n    auth:\n      password: ${PASSWORD}\n`);
    const resolved = resolveCloud({
      cloud: 'faafo-test-lab',
      env: { ...env, OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') },
      cwd,
    });
    expect(resolved.auth?.password).toBe(PASSWORD);
  });

  it('OS_PASSWORD supplies a missing password, but does not replace one that is there', () => {
    write(
      join(cwd, 'clouds.yaml'),
      `${cloudsYaml(['faafo-test-full'])}  faafo-test-nopass:
    auth:
      auth_url: http://k:5000/v3
      username: alice
      project_name: lab
`,
    );
    const withEnv = { ...env, OS_PASSWORD: 'from-env' };
    expect(resolveCloud({ cloud: 'faafo-test-nopass', env: withEnv, cwd }).auth?.password).toBe('from-env');
    expect(resolveCloud({ cloud: 'faafo-test-full', env: withEnv, cwd }).auth?.password).toBe(PASSWORD);
  });

  it('domain_name applies to both domains unless the specific ones are given; ids are kept', () => {
    write(
      join(cwd, 'clouds.yaml'),
      `clouds:
  faafo-test-both:
    auth: { auth_url: 'http://k/v3', username: u, password: '${PASSWORD}', project_name: p, domain_name: Lab }
  faafo-test-specific:
    auth:
      auth_url: http://k/v3
      username: u
      password: '${PASSWORD}'
      project_name: p
      domain_name: Lab
      user_domain_name: Users
  faafo-test-ids:
    auth:
      auth_url: http://k/v3
      username: u
      password: '${PASSWORD}'
      project_id: 0123abc
      user_domain_id: default
      project_domain_id: d42
`,
    );
    expect(resolveCloud({ cloud: 'faafo-test-both', env, cwd }).auth).toMatchObject({
      userDomainName: 'Lab',
      projectDomainName: 'Lab',
    });
    expect(resolveCloud({ cloud: 'faafo-test-specific', env, cwd }).auth).toMatchObject({
      userDomainName: 'Users',
      projectDomainName: 'Lab',
    });
    const ids = resolveCloud({ cloud: 'faafo-test-ids', env, cwd }).auth;
    expect(ids).toMatchObject({
      projectId: '0123abc',
      userDomainId: 'default',
      projectDomainId: 'd42',
      userDomainName: 'Default',
    });
    expect(ids?.projectName).toBeUndefined();
  });

  it('infers identity v2.0 from the auth_url; identity_api_version and tenant_* are honoured', () => {
    write(
      join(cwd, 'clouds.yaml'),
      `clouds:
  faafo-test-v2:
    auth: { auth_url: 'http://k:5000/v2.0', username: u, password: '${PASSWORD}', tenant_name: t }
  faafo-test-v2-slash:
    auth: { auth_url: 'http://k:5000/v2.0/', username: u, password: '${PASSWORD}', tenant_id: t1 }
  faafo-test-root:
    auth: { auth_url: 'http://k:5000', username: u, password: '${PASSWORD}', project_name: p }
  faafo-test-explicit:
    identity_api_version: 2
    auth: { auth_url: 'http://k:5000', username: u, password: '${PASSWORD}', project_name: p }
  faafo-test-v3-number:
    identity_api_version: 3
    auth_type: v3password
    auth: { auth_url: 'http://k:5000/v2.0', username: u, password: '${PASSWORD}', project_name: p }
`,
    );
    const auth = (cloud: string) => resolveCloud({ cloud, env, cwd }).auth;
    expect(auth('faafo-test-v2')).toMatchObject({ identityApiVersion: '2.0', projectName: 't' });
    expect(auth('faafo-test-v2-slash')).toMatchObject({ identityApiVersion: '2.0', projectId: 't1' });
    expect(auth('faafo-test-root')).toMatchObject({ identityApiVersion: '3', authUrl: 'http://k:5000' });
    expect(auth('faafo-test-explicit')?.identityApiVersion).toBe('2.0');
    expect(auth('faafo-test-v3-number')?.identityApiVersion).toBe('3');
  });

  it('reads region_name (else the first of regions), interface and verify', () => {
    write(
      join(cwd, 'clouds.yaml'),
      `clouds:
  faafo-test-a:
    region_name: West
    interface: internal
    verify: false
    auth: { auth_url: 'http://k/v3', username: u, password: '${PASSWORD}', project_name: p }
  faafo-test-b:
    regions: [East, West]
    verify: /etc/ssl/ca.pem
    auth: { auth_url: 'http://k/v3', username: u, password: '${PASSWORD}', project_name: p }
`,
    );
    expect(resolveCloud({ cloud: 'faafo-test-a', env, cwd }).auth).toMatchObject({
      region: 'West',
      interface: 'internal',
      insecure: true,
    });
    expect(resolveCloud({ cloud: 'faafo-test-b', env, cwd }).auth).toMatchObject({
      region: 'East',
      insecure: false,
    });
  });

  it('accepts auth_type password, v3password and v2password', () => {
    const yaml = ['password', 'v3password', 'v2password']
      .map(
        (type) => `  faafo-test-${type}:
    auth_type: ${type}
    auth: { auth_url: 'http://k:5000', username: u, password: '${PASSWORD}', project_name: p }
`,
      )
      .join('');
    write(join(cwd, 'clouds.yaml'), `clouds:\n${yaml}`);
    expect(resolveCloud({ cloud: 'faafo-test-password', env, cwd }).auth?.identityApiVersion).toBe('3');
    expect(resolveCloud({ cloud: 'faafo-test-v3password', env, cwd }).auth?.identityApiVersion).toBe('3');
    expect(resolveCloud({ cloud: 'faafo-test-v2password', env, cwd }).auth?.identityApiVersion).toBe('2.0');
  });
});

describe('clouds.yaml errors', () => {
  it('an unknown name: names the cloud, the files read and the clouds they define', () => {
    const a = write(join(cwd, 'clouds.yaml'), cloudsYaml(['bar']));
    const b = write(join(home, '.config/openstack/clouds.yaml'), cloudsYaml(['faafo-local', 'bar']));
    const error = errorOf(() => resolveCloud({ cloud: 'foo', env, cwd }));
    expect(error.message).toBe(
      `No cloud named 'foo' in clouds.yaml (looked in ${a}, ${b}); the files define: bar, faafo-local. Check --cloud / OS_CLOUD.`,
    );
  });

  it('an unknown name and no clouds.yaml anywhere: says where it looked', () => {
    const error = errorOf(() =>
      resolveCloud({ env: { ...env, OS_CLOUD: 'faafo-test-none', OS_CLIENT_CONFIG_FILE: 'nope.yaml' }, cwd }),
    );
    expect(error.message).toBe(
      `No cloud named 'faafo-test-none': there is no clouds.yaml (looked for ${join(cwd, 'nope.yaml')} (OS_CLIENT_CONFIG_FILE), then clouds.yaml or clouds.yml in ${cwd}, ${join(xdg, 'openstack')}, ${join(home, '.config/openstack')}, ${join(root, 'etc-xdg/openstack')} and /etc/openstack); create one, or check --cloud / OS_CLOUD.`,
    );
  });

  it('invalid YAML: names the file and the line, without quoting it', () => {
    const file = write(
      join(cwd, 'clouds.yaml'),
      `clouds:
  faafo-test-lab:
    auth:
      auth_url: http://k/v3
      password: ${PASSWORD}
     username: alice
`,
    );
    const error = errorOf(() => resolveCloud({ cloud: 'faafo-test-lab', env, cwd }));
    expect(error.message).toMatch(
      new RegExp(
        `^${file.replaceAll('.', '\\.')} is not valid YAML \\(line 6, column 1: All mapping items must start at the same column\\); fix it\\.$`,
      ),
    );
  });

  it('an unterminated quote around the password does not leak it', () => {
    write(join(cwd, 'clouds.yaml'), `clouds:\n  faafo-test-lab:\n    auth:\n      password: "${PASSWORD}\n`);
    const error = errorOf(() => resolveCloud({ cloud: 'faafo-test-lab', env, cwd }));
    expect(error.message).toContain(`${join(cwd, 'clouds.yaml')} is not valid YAML (line `);
  });

  it('a bad secure.yaml is named too', () => {
    write(join(cwd, 'clouds.yaml'), cloudsYaml(['faafo-test-lab']));
    const secure = write(join(cwd, 'secure.yaml'), 'clouds: [\n');
    const error = errorOf(() => resolveCloud({ cloud: 'faafo-test-lab', env, cwd }));
    expect(error.message).toContain(`${secure} is not valid YAML (line `);
  });

  it('a file that is YAML but not a clouds.yaml', () => {
    const file = write(join(cwd, 'clouds.yaml'), '- just\n- a list\n');
    const error = errorOf(() => resolveCloud({ cloud: 'faafo-test-lab', env, cwd }));
    expect(error.message).toBe(
      `${file} is not a clouds.yaml file: must be a mapping with a top-level 'clouds' key; fix it.`,
    );
  });

  it('missing auth_url / username / password: names the file, the cloud and the keys', () => {
    const file = write(
      join(cwd, 'clouds.yaml'),
      `clouds:
  faafo-test-lab:
    region_name: North
    auth:
      username: alice
  faafo-test-nopass:
    auth: { auth_url: 'http://k/v3', username: alice }
`,
    );
    expect(errorOf(() => resolveCloud({ cloud: 'faafo-test-lab', env, cwd })).message).toBe(
      `Cloud 'faafo-test-lab' in ${file} has no auth.auth_url and auth.password; add them there (the password may also go in secure.yaml next to it, or in OS_PASSWORD).`,
    );
    expect(errorOf(() => resolveCloud({ cloud: 'faafo-test-nopass', env, cwd })).message).toBe(
      `Cloud 'faafo-test-nopass' in ${file} has no auth.password; add it there (the password may also go in secure.yaml next to it, or in OS_PASSWORD).`,
    );
  });

  it('a missing username with the password in secure.yaml: names both files, not the password', () => {
    const file = write(
      join(cwd, 'clouds.yaml'),
      "clouds:\n  faafo-test-lab:\n    auth: { auth_url: 'http://k/v3' }\n",
    );
    const secure = write(
      join(cwd, 'secure.yaml'),
      `clouds:\n  faafo-test-lab:\n    auth: { password: '${PASSWORD}' }\n`,
    );
    expect(errorOf(() => resolveCloud({ cloud: 'faafo-test-lab', env, cwd })).message).toBe(
      `Cloud 'faafo-test-lab' in ${file} (with ${secure}) has no auth.username; add it there.`,
    );
  });

  it('refuses auth types other than password', () => {
    const file = write(
      join(cwd, 'clouds.yaml'),
      `clouds:
  faafo-test-appcred:
    auth_type: v3applicationcredential
    auth: { auth_url: 'http://k/v3', application_credential_id: x, application_credential_secret: '${PASSWORD}' }
  faafo-test-token:
    auth: { auth_url: 'http://k/v3', token: '${PASSWORD}', project_name: p }
`,
    );
    expect(errorOf(() => resolveCloud({ cloud: 'faafo-test-appcred', env, cwd })).message).toBe(
      `Cloud 'faafo-test-appcred' in ${file} uses auth_type 'v3applicationcredential', but faafo-tutor supports only password auth (a username and a password); use a cloud with auth_type password and auth.username / auth.password.`,
    );
    expect(errorOf(() => resolveCloud({ cloud: 'faafo-test-token', env, cwd })).message).toBe(
      `Cloud 'faafo-test-token' in ${file} authenticates with a token, but faafo-tutor supports only password auth (a username and a password); give it auth.username and auth.password instead.`,
    );
  });

  it('settings of the wrong kind are named', () => {
    const file = write(
      join(cwd, 'clouds.yaml'),
      `clouds:
  faafo-test-lab:
    identity_api_version: 4
    auth:
      auth_url: http://k/v3
      username: [alice]
      password: '${PASSWORD}'
`,
    );
    expect(errorOf(() => resolveCloud({ cloud: 'faafo-test-lab', env, cwd })).message).toBe(
      `Cloud 'faafo-test-lab' in ${file} has unusable settings: auth.username must be text; identity_api_version must be 3 or 2.0; fix them.`,
    );
  });
});

describe('the OS_* variables', () => {
  const openrc = {
    OS_AUTH_URL: 'http://controller:5000/v3',
    OS_USERNAME: 'alice',
    OS_PASSWORD: PASSWORD,
    OS_PROJECT_NAME: 'lab',
  };

  it('builds the cloud from an openrc, with the defaults', () => {
    const resolved = resolveCloud({ env: { ...env, ...openrc }, cwd });
    expect(resolved).toEqual({
      source: { kind: 'env' },
      auth: {
        authUrl: 'http://controller:5000/v3',
        ...ALICE_IN_LAB_WITH_DEFAULTS,
      },
      label: 'the OS_* variables (http://controller:5000/v3, user alice, project lab)',
    });
  });

  it('reads every variable it knows, OS_TENANT_NAME as the project, OS_DOMAIN_NAME for both domains', () => {
    const resolved = resolveCloud({
      env: {
        ...env,
        OS_AUTH_URL: 'https://k.example:5000/v2.0',
        OS_USERNAME: 'alice',
        OS_PASSWORD: PASSWORD,
        OS_TENANT_NAME: 'old-lab',
        OS_TENANT_ID: 't-1',
        OS_DOMAIN_NAME: 'Lab',
        OS_PROJECT_DOMAIN_NAME: 'Projects',
        OS_REGION_NAME: 'North',
        OS_INSECURE: 'true',
        OS_INTERFACE: 'publicURL',
        OS_PROJECT_ID: '',
      },
      cwd,
    });
    expect(resolved.auth).toEqual({
      authUrl: 'https://k.example:5000/v2.0',
      username: 'alice',
      password: PASSWORD,
      projectName: 'old-lab',
      projectId: 't-1',
      userDomainName: 'Lab',
      projectDomainName: 'Projects',
      region: 'North',
      identityApiVersion: '2.0',
      interface: 'public',
      insecure: true,
    });
    expect(resolved.label).toBe(
      'the OS_* variables (https://k.example:5000/v2.0, user alice, project old-lab)',
    );
  });

  it('OS_IDENTITY_API_VERSION wins over the URL; OS_PROJECT_ID alone is a project', () => {
    const resolved = resolveCloud({
      env: {
        ...env,
        ...openrc,
        OS_PROJECT_NAME: undefined,
        OS_PROJECT_ID: 'abc',
        OS_AUTH_URL: 'http://k:5000',
        OS_IDENTITY_API_VERSION: '2',
        OS_INSECURE: 'false',
      },
      cwd,
    });
    expect(resolved.auth).toMatchObject({ projectId: 'abc', identityApiVersion: '2.0', insecure: false });
    expect(resolved.auth?.projectName).toBeUndefined();
    expect(resolved.label).toBe('the OS_* variables (http://k:5000, user alice, project abc)');
  });

  it('lists exactly the variables that are missing', () => {
    const only = (vars: Record<string, string>) =>
      errorOf(() => resolveCloud({ env: { ...env, ...vars }, cwd })).message;
    expect(only({ OS_AUTH_URL: 'http://k/v3', OS_PROJECT_NAME: 'lab' })).toBe(
      'OS_USERNAME and OS_PASSWORD are not set; set them (source your openrc) or use --cloud NAME.',
    );
    expect(only({ OS_AUTH_URL: 'http://k/v3', OS_USERNAME: 'alice', OS_PROJECT_NAME: 'lab' })).toBe(
      'OS_PASSWORD is not set; set it (source your openrc) or use --cloud NAME.',
    );
    expect(only({ OS_AUTH_URL: 'http://k/v3', OS_PASSWORD: PASSWORD })).toBe(
      'OS_USERNAME and OS_PROJECT_NAME (or OS_PROJECT_ID) are not set; set them (source your openrc) or use --cloud NAME.',
    );
    expect(only({ OS_AUTH_URL: 'http://k/v3', OS_PASSWORD: '' })).toBe(
      'OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME (or OS_PROJECT_ID) are not set; set them (source your openrc) or use --cloud NAME.',
    );
  });

  it('refuses token auth: OS_TOKEN, or an OS_AUTH_TYPE other than password', () => {
    expect(
      errorOf(() =>
        resolveCloud({
          env: { ...env, OS_AUTH_URL: 'http://k/v3', OS_TOKEN: PASSWORD, OS_PROJECT_NAME: 'p' },
          cwd,
        }),
      ).message,
    ).toBe(
      'OS_TOKEN is set, but faafo-tutor supports only password auth (a username and a password); unset OS_TOKEN and set OS_USERNAME and OS_PASSWORD (source a password openrc), or use --cloud NAME.',
    );
    expect(
      errorOf(() => resolveCloud({ env: { ...env, ...openrc, OS_AUTH_TYPE: 'v3token' }, cwd })).message,
    ).toBe(
      "OS_AUTH_TYPE is 'v3token', but faafo-tutor supports only password auth (a username and a password); unset OS_AUTH_TYPE and set OS_USERNAME and OS_PASSWORD, or use --cloud NAME.",
    );
    expect(resolveCloud({ env: { ...env, ...openrc, OS_AUTH_TYPE: 'v3password' }, cwd }).source.kind).toBe(
      'env',
    );
  });

  it('names a variable with an unusable value', () => {
    expect(
      errorOf(() => resolveCloud({ env: { ...env, ...openrc, OS_INSECURE: 'maybe' }, cwd })).message,
    ).toBe('OS_INSECURE must be true or false; fix or unset it, or use --cloud NAME.');
    expect(
      errorOf(() => resolveCloud({ env: { ...env, ...openrc, OS_IDENTITY_API_VERSION: '4' }, cwd })).message,
    ).toBe('OS_IDENTITY_API_VERSION must be 3 or 2.0; fix or unset it, or use --cloud NAME.');
  });
});

describe('nothing configured', () => {
  it('is the local cloud, even with a clouds.yaml around and other OS_* variables set', () => {
    write(join(cwd, 'clouds.yaml'), cloudsYaml(['faafo-test-lab']));
    expect(resolveCloud({ env: { ...env, OS_USERNAME: 'alice', OS_CLOUD: '' }, cwd })).toEqual({
      source: { kind: 'local' },
      label: 'the local cloud',
    });
  });
});
