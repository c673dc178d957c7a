// Which OpenStack cloud to talk to, found the way the OpenStack client and openstacksdk find it:
// a cloud name (`--cloud NAME`, else OS_CLOUD) looked up in clouds.yaml (plus secure.yaml), else
// the OS_* variables an openrc file sets, else nothing, and the caller uses the local cloud.
// Only password auth is supported. No password ever appears in a label or an error message.
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { LineCounter, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { UserError } from '../shared/user-error.ts';

export interface CloudAuth {
  /** Keystone root or .../v3 or .../v2.0, exactly as given. */
  authUrl: string;
  username: string;
  password: string;
  /** OS_PROJECT_NAME / OS_TENANT_NAME / auth.project_name / auth.tenant_name */
  projectName?: string;
  /** OS_PROJECT_ID / OS_TENANT_ID / auth.project_id / auth.tenant_id */
  projectId?: string;
  /** Default 'Default' (or the domain_name given for both). */
  userDomainName: string;
  /** Default 'Default' (or the domain_name given for both). */
  projectDomainName: string;
  /** When set (user_domain_id / domain_id / OS_USER_DOMAIN_ID), names the user's domain by id instead. */
  userDomainId?: string;
  /** When set (project_domain_id / domain_id / OS_PROJECT_DOMAIN_ID), names the project's domain by id instead. */
  projectDomainId?: string;
  /** OS_REGION_NAME / region_name (or the first of regions), default 'RegionOne'. */
  region: string;
  /** OS_IDENTITY_API_VERSION / identity_api_version; default '2.0' if authUrl ends with /v2.0, else '3'. */
  identityApiVersion: '2.0' | '3';
  /** OS_INTERFACE / interface: which endpoints of the catalog to use, when given. */
  interface?: 'public' | 'internal' | 'admin';
  /** OS_INSECURE / verify: false (or insecure: true). */
  insecure: boolean;
}

export type CloudSource =
  | { kind: 'clouds.yaml'; name: string; file: string }
  /** from the OS_* variables */
  | { kind: 'env' }
  /** nothing configured: the caller will use the local cloud */
  | { kind: 'local' };

export interface ResolvedCloud {
  source: CloudSource;
  /** Absent only for kind 'local'. */
  auth?: CloudAuth;
  /** One short human phrase naming where the cloud came from; never holds the password. */
  label: string;
}

/** What is wrong with the cloud configuration and what to do, in one readable sentence. */
export class CloudConfigError extends UserError {
  override name = 'CloudConfigError';
}

const CLOUDS_FILES = ['clouds.yaml', 'clouds.yml'];
const SECURE_FILES = ['secure.yaml', 'secure.yml'];
const PASSWORD_AUTH_TYPES = ['password', 'v3password', 'v2password'];
const ONLY_PASSWORD = 'faafo-tutor supports only password auth (a username and a password)';

// ---- Values shared by clouds.yaml and the OS_* variables ----

const nothing = (v: unknown): boolean => v === undefined || v === null || v === '';

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  yes: true,
  on: true,
  '1': true,
  false: false,
  no: false,
  off: false,
  '0': false,
};
const booleanWord = (v: string): boolean | undefined => BOOLEAN_WORDS[v.trim().toLowerCase()];

/** A name, id, URL or password: numbers are taken as written (`project_id: 0123`), empty is absent. */
const text = z
  .union([z.string(), z.number(), z.boolean()], { error: 'must be text' })
  .nullish()
  .transform((v) => (nothing(v) ? undefined : String(v)));

const apiVersion = z.preprocess((v) => {
  if (nothing(v)) return undefined;
  const s = String(v).trim().replace(/^v/i, '');
  return s === '2' || s === '2.0' ? '2.0' : s === '3' || s === '3.0' ? '3' : s;
}, z.enum(['2.0', '3'], { error: 'must be 3 or 2.0' }).optional());

const endpointInterface = z.preprocess(
  (v) => (nothing(v) ? undefined : String(v).trim().replace(/URL$/, '').toLowerCase()),
  z.enum(['public', 'internal', 'admin'], { error: 'must be public, internal or admin' }).optional(),
);

const flag = z.preprocess(
  (v) => (nothing(v) ? undefined : typeof v === 'string' ? (booleanWord(v) ?? v) : v),
  z.boolean({ error: 'must be true or false' }).optional(),
);

/** `verify`: true/false, or the path of a CA bundle (which means: do verify). */
const verify = z.preprocess(
  (v) => (nothing(v) ? undefined : typeof v === 'string' ? (booleanWord(v) ?? true) : v),
  z.boolean({ error: 'must be true, false or the path of a CA bundle' }).optional(),
);

/** "a.b must be text; c must be true or false" */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.map(String).join('.') || 'it'} ${issue.message}`)
    .join('; ');
}

/** "A", "A and B", "A, B and C" */
function listing(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** What both sources give, before defaults. */
interface AuthFields {
  authUrl: string;
  username: string;
  password: string;
  projectName?: string | undefined;
  projectId?: string | undefined;
  userDomainName?: string | undefined;
  userDomainId?: string | undefined;
  projectDomainName?: string | undefined;
  projectDomainId?: string | undefined;
  domainName?: string | undefined;
  domainId?: string | undefined;
  region?: string | undefined;
  identityApiVersion?: '2.0' | '3' | undefined;
  authType?: string | undefined;
  interface?: 'public' | 'internal' | 'admin' | undefined;
  insecure?: boolean | undefined;
}

/** Defaults as openstacksdk applies them; optional fields only when they have a value. */
function toCloudAuth(f: AuthFields): CloudAuth {
  const byAuthType = f.authType === 'v2password' ? '2.0' : f.authType === 'v3password' ? '3' : undefined;
  const byUrl = /\/v2\.0\/*$/.test(f.authUrl) ? '2.0' : '3';
  const auth: CloudAuth = {
    authUrl: f.authUrl,
    username: f.username,
    password: f.password,
    userDomainName: f.userDomainName ?? f.domainName ?? 'Default',
    projectDomainName: f.projectDomainName ?? f.domainName ?? 'Default',
    region: f.region ?? 'RegionOne',
    identityApiVersion: f.identityApiVersion ?? byAuthType ?? byUrl,
    insecure: f.insecure ?? false,
  };
  const optional = {
    projectName: f.projectName,
    projectId: f.projectId,
    userDomainId: f.userDomainId ?? (f.userDomainName ? undefined : f.domainId),
    projectDomainId: f.projectDomainId ?? (f.projectDomainName ? undefined : f.domainId),
    interface: f.interface,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(auth, { [key]: value });
  }
  return auth;
}

// ---- Where clouds.yaml may be ----

const lookupEnvSchema = z.object({
  OS_CLOUD: text,
  OS_CLIENT_CONFIG_FILE: text,
  OS_CLIENT_SECURE_FILE: text,
  OS_AUTH_URL: text,
  OS_PASSWORD: text,
  HOME: text,
  XDG_CONFIG_HOME: text,
  XDG_CONFIG_DIRS: text,
});
type LookupEnv = z.infer<typeof lookupEnvSchema>;

interface SearchPlan {
  /** OS_CLIENT_CONFIG_FILE, resolved against cwd. */
  override?: string | undefined;
  /** OS_CLIENT_SECURE_FILE, resolved against cwd. */
  secureOverride?: string | undefined;
  /** The directories searched for clouds.yaml / clouds.yml, in order. */
  dirs: string[];
}

function searchPlan(env: LookupEnv, cwd: string): SearchPlan {
  const home = env.HOME ?? homedir();
  const xdgHome = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : undefined;
  const xdgSite = env.XDG_CONFIG_DIRS?.split(':').find((d) => isAbsolute(d)) ?? '/etc/xdg';
  const dirs = [
    resolve(cwd),
    ...(xdgHome ? [join(xdgHome, 'openstack')] : []),
    join(home, '.config', 'openstack'),
    join(xdgSite, 'openstack'),
    '/etc/openstack',
  ];
  return {
    override: env.OS_CLIENT_CONFIG_FILE ? resolve(cwd, env.OS_CLIENT_CONFIG_FILE) : undefined,
    secureOverride: env.OS_CLIENT_SECURE_FILE ? resolve(cwd, env.OS_CLIENT_SECURE_FILE) : undefined,
    dirs: [...new Set(dirs)],
  };
}

/**
 * The files searched for a named cloud, in order, as openstacksdk does: OS_CLIENT_CONFIG_FILE,
 * then clouds.yaml / clouds.yml in the working directory, $XDG_CONFIG_HOME/openstack,
 * ~/.config/openstack, the first of $XDG_CONFIG_DIRS (else /etc/xdg) + /openstack, /etc/openstack.
 */
export function cloudsYamlPaths(env: NodeJS.ProcessEnv, cwd: string): string[] {
  return filesOf(searchPlan(lookupEnvSchema.parse(env), cwd));
}

function filesOf(plan: SearchPlan): string[] {
  const files = plan.dirs.flatMap((dir) => CLOUDS_FILES.map((name) => join(dir, name)));
  return [...new Set([...(plan.override ? [plan.override] : []), ...files])];
}

// ---- Reading clouds.yaml / secure.yaml ----

const cloudsFileSchema = z
  .object(
    {
      clouds: z
        .record(z.string(), z.unknown(), { error: "'clouds' must be a mapping of cloud names to settings" })
        .nullish(),
    },
    { error: "must be a mapping with a top-level 'clouds' key" },
  )
  .nullish();

/** The `clouds` mapping of a file, or undefined when there is no such file. */
function readCloudsFile(file: string): Record<string, unknown> | undefined {
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) return undefined;
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new CloudConfigError(`Cannot read ${file} (${code}); check its permissions.`);
  }
  // No pretty errors: they quote the offending line, which may hold a password.
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { prettyErrors: false, lineCounter });
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new CloudConfigError(
      `${file} is not valid YAML (line ${line}, column ${col}: ${first.message}); fix it.`,
    );
  }
  // Numbers as written: `project_id: 0123` and `password: 1.50` stay what the user typed.
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'number' && node.source !== undefined) node.value = node.source;
    },
  });
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    throw new CloudConfigError(`${file} cannot be read as YAML (${(e as Error).message}); simplify it.`);
  }
  const parsed = cloudsFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new CloudConfigError(
      `${file} is not a clouds.yaml file: ${parsed.error.issues[0]?.message ?? 'bad shape'}; fix it.`,
    );
  }
  return parsed.data?.clouds ?? {};
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** openstacksdk accepts `auth-url` for `auth_url`, at any depth. */
function normalizeKeys(value: unknown): unknown {
  if (!isMapping(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.replaceAll('-', '_'), normalizeKeys(v)]),
  );
}

/** secure.yaml over clouds.yaml: mappings merge, anything else is replaced. */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const old = merged[key];
    merged[key] = isMapping(old) && isMapping(value) ? deepMerge(old, value) : value;
  }
  return merged;
}

const authSchema = z.object(
  {
    auth_url: text,
    username: text,
    password: text,
    project_name: text,
    project_id: text,
    tenant_name: text,
    tenant_id: text,
    user_domain_name: text,
    user_domain_id: text,
    project_domain_name: text,
    project_domain_id: text,
    domain_name: text,
    domain_id: text,
    token: text,
  },
  { error: 'must be a mapping' },
);

const cloudSchema = z.object(
  {
    auth: authSchema.nullish(),
    auth_type: text,
    region_name: text,
    regions: z
      .array(
        z.union([text, z.object({ name: text })], { error: 'must be region names (or {name: …} entries)' }),
        { error: 'must be a list' },
      )
      .nullish(),
    identity_api_version: apiVersion,
    interface: endpointInterface,
    verify,
    insecure: flag,
  },
  { error: 'must be a mapping of settings' },
);

function fromCloudsYaml(name: string, env: LookupEnv, cwd: string): ResolvedCloud {
  const plan = searchPlan(env, cwd);
  const read: string[] = [];
  const defined: string[] = [];
  for (const file of filesOf(plan)) {
    const clouds = readCloudsFile(file);
    if (!clouds) continue;
    read.push(file);
    if (Object.hasOwn(clouds, name)) return cloudFromEntry(name, file, clouds[name], plan, env);
    defined.push(...Object.keys(clouds).filter((n) => !defined.includes(n)));
  }
  if (read.length === 0) {
    const where = [
      ...(plan.override ? [`${plan.override} (OS_CLIENT_CONFIG_FILE)`] : []),
      `clouds.yaml or clouds.yml in ${listing(plan.dirs)}`,
    ];
    throw new CloudConfigError(
      `No cloud named '${name}': there is no clouds.yaml (looked for ${where.join(', then ')}); create one, or check --cloud / OS_CLOUD.`,
    );
  }
  const defines =
    defined.length > 0 ? `the files define: ${defined.join(', ')}` : 'the files define no clouds';
  throw new CloudConfigError(
    `No cloud named '${name}' in clouds.yaml (looked in ${read.join(', ')}); ${defines}. Check --cloud / OS_CLOUD.`,
  );
}

function cloudFromEntry(
  name: string,
  file: string,
  entry: unknown,
  plan: SearchPlan,
  env: LookupEnv,
): ResolvedCloud {
  let settings = normalizeKeys(entry ?? {});
  let where = file;
  const secureFile = [
    ...(plan.secureOverride ? [plan.secureOverride] : []),
    ...SECURE_FILES.map((n) => join(dirname(file), n)),
  ].find((f) => statSync(f, { throwIfNoEntry: false })?.isFile());
  const secure = secureFile ? readCloudsFile(secureFile)?.[name] : undefined;
  if (isMapping(settings) && isMapping(secure)) {
    settings = deepMerge(settings, normalizeKeys(secure) as Record<string, unknown>);
    where = `${file} (with ${secureFile})`;
  }
  const parsed = cloudSchema.safeParse(settings);
  if (!parsed.success) {
    throw new CloudConfigError(
      `Cloud '${name}' in ${where} has unusable settings: ${describeIssues(parsed.error)}; fix them.`,
    );
  }
  const cloud = parsed.data;
  const auth = cloud.auth ?? authSchema.parse({});
  const password = auth.password ?? env.OS_PASSWORD;
  if (cloud.auth_type && !PASSWORD_AUTH_TYPES.includes(cloud.auth_type)) {
    throw new CloudConfigError(
      `Cloud '${name}' in ${where} uses auth_type '${cloud.auth_type}', but ${ONLY_PASSWORD}; use a cloud with auth_type password and auth.username / auth.password.`,
    );
  }
  if (auth.token && !password && !cloud.auth_type) {
    throw new CloudConfigError(
      `Cloud '${name}' in ${where} authenticates with a token, but ${ONLY_PASSWORD}; give it auth.username and auth.password instead.`,
    );
  }
  const missing = [
    ...(auth.auth_url ? [] : ['auth.auth_url']),
    ...(auth.username ? [] : ['auth.username']),
    ...(password ? [] : ['auth.password']),
  ];
  if (!auth.auth_url || !auth.username || !password) {
    const hint = password ? '' : ' (the password may also go in secure.yaml next to it, or in OS_PASSWORD)';
    throw new CloudConfigError(
      `Cloud '${name}' in ${where} has no ${listing(missing)}; add ${missing.length > 1 ? 'them' : 'it'} there${hint}.`,
    );
  }
  const firstRegion = cloud.regions?.[0];
  return {
    source: { kind: 'clouds.yaml', name, file },
    auth: toCloudAuth({
      authUrl: auth.auth_url,
      username: auth.username,
      password,
      projectName: auth.project_name ?? auth.tenant_name,
      projectId: auth.project_id ?? auth.tenant_id,
      userDomainName: auth.user_domain_name,
      userDomainId: auth.user_domain_id,
      projectDomainName: auth.project_domain_name,
      projectDomainId: auth.project_domain_id,
      domainName: auth.domain_name,
      domainId: auth.domain_id,
      region: cloud.region_name ?? (typeof firstRegion === 'object' ? firstRegion.name : firstRegion),
      identityApiVersion: cloud.identity_api_version,
      authType: cloud.auth_type,
      interface: cloud.interface,
      insecure: cloud.insecure ?? (cloud.verify === undefined ? undefined : !cloud.verify),
    }),
    label: `cloud '${name}' from ${file}`,
  };
}

// ---- The OS_* variables ----

const osEnvSchema = z.object({
  OS_AUTH_URL: text,
  OS_USERNAME: text,
  OS_PASSWORD: text,
  OS_PROJECT_NAME: text,
  OS_TENANT_NAME: text,
  OS_PROJECT_ID: text,
  OS_TENANT_ID: text,
  OS_USER_DOMAIN_NAME: text,
  OS_USER_DOMAIN_ID: text,
  OS_PROJECT_DOMAIN_NAME: text,
  OS_PROJECT_DOMAIN_ID: text,
  OS_DOMAIN_NAME: text,
  OS_DOMAIN_ID: text,
  OS_REGION_NAME: text,
  OS_IDENTITY_API_VERSION: apiVersion,
  OS_INTERFACE: endpointInterface,
  OS_INSECURE: flag,
  OS_AUTH_TYPE: text,
  OS_TOKEN: text,
});

function fromOsVariables(rawEnv: NodeJS.ProcessEnv): ResolvedCloud {
  const parsed = osEnvSchema.safeParse(rawEnv);
  if (!parsed.success) {
    throw new CloudConfigError(`${describeIssues(parsed.error)}; fix or unset it, or use --cloud NAME.`);
  }
  const env = parsed.data;
  if (env.OS_AUTH_TYPE && !PASSWORD_AUTH_TYPES.includes(env.OS_AUTH_TYPE)) {
    throw new CloudConfigError(
      `OS_AUTH_TYPE is '${env.OS_AUTH_TYPE}', but ${ONLY_PASSWORD}; unset OS_AUTH_TYPE and set OS_USERNAME and OS_PASSWORD, or use --cloud NAME.`,
    );
  }
  if (env.OS_TOKEN && !env.OS_PASSWORD && !env.OS_AUTH_TYPE) {
    throw new CloudConfigError(
      `OS_TOKEN is set, but ${ONLY_PASSWORD}; unset OS_TOKEN and set OS_USERNAME and OS_PASSWORD (source a password openrc), or use --cloud NAME.`,
    );
  }
  const projectName = env.OS_PROJECT_NAME ?? env.OS_TENANT_NAME;
  const projectId = env.OS_PROJECT_ID ?? env.OS_TENANT_ID;
  const missing = [
    ...(env.OS_USERNAME ? [] : ['OS_USERNAME']),
    ...(env.OS_PASSWORD ? [] : ['OS_PASSWORD']),
    ...(projectName || projectId ? [] : ['OS_PROJECT_NAME (or OS_PROJECT_ID)']),
  ];
  if (!env.OS_AUTH_URL || !env.OS_USERNAME || !env.OS_PASSWORD || missing.length > 0) {
    const [verb, pronoun] = missing.length > 1 ? ['are', 'them'] : ['is', 'it'];
    throw new CloudConfigError(
      `${listing(missing)} ${verb} not set; set ${pronoun} (source your openrc) or use --cloud NAME.`,
    );
  }
  const auth = toCloudAuth({
    authUrl: env.OS_AUTH_URL,
    username: env.OS_USERNAME,
    password: env.OS_PASSWORD,
    projectName,
    projectId,
    userDomainName: env.OS_USER_DOMAIN_NAME,
    userDomainId: env.OS_USER_DOMAIN_ID,
    projectDomainName: env.OS_PROJECT_DOMAIN_NAME,
    projectDomainId: env.OS_PROJECT_DOMAIN_ID,
    domainName: env.OS_DOMAIN_NAME,
    domainId: env.OS_DOMAIN_ID,
    region: env.OS_REGION_NAME,
    identityApiVersion: env.OS_IDENTITY_API_VERSION,
    authType: env.OS_AUTH_TYPE,
    interface: env.OS_INTERFACE,
    insecure: env.OS_INSECURE,
  });
  return {
    source: { kind: 'env' },
    auth,
    label: `the OS_* variables (${auth.authUrl}, user ${auth.username}, project ${projectName ?? projectId})`,
  };
}

/**
 * The cloud to talk to: `options.cloud` (the --cloud flag), else OS_CLOUD, looked up in clouds.yaml;
 * else the OS_* variables when OS_AUTH_URL is set; else the local cloud. `env` defaults to
 * process.env and `cwd` to process.cwd(). Throws CloudConfigError when the configuration is unusable.
 */
export function resolveCloud(options: {
  cloud?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}): ResolvedCloud {
  const rawEnv = options.env ?? process.env;
  const env = lookupEnvSchema.parse(rawEnv);
  const name = options.cloud || env.OS_CLOUD;
  if (name) return fromCloudsYaml(name, env, options.cwd ?? process.cwd());
  if (env.OS_AUTH_URL) return fromOsVariables(rawEnv);
  return { source: { kind: 'local' }, label: 'the local cloud' };
}
