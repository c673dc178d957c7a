// Userdata → what the faafo installer would do on the node. The text is parsed here and never
// handed to a shell, and no URL in it is ever fetched: a node is "booted" by recognising the
// guide's installer invocation and reading its options the way contrib/install.sh reads them
// (getopts `e:m:d:i:r:`, defaults and overrides as in the original script).
//
// Recognised forms (in a `#!` shell script, or in `#cloud-config` runcmd):
//   curl -L -s http://…/contrib/install.sh | bash -s -- -i database -i messaging     (the guide's)
//   wget -qO- …/install.sh | sudo bash -s -- …
//   install.sh …  ./install.sh …  bash install.sh …  faafo-install …
// Anything else in the script (apt-get update, set -e, …) is listed as skipped.
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const INSTALL_ROLES = ['database', 'messaging', 'faafo', 'api', 'worker', 'demo'] as const;
export const RoleSchema = z.enum(INSTALL_ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** The original install.sh's defaults (§5 of the faafo spec). */
export const INSTALLER_DEFAULTS = {
  databaseUrl: 'sqlite:////tmp/sqlite.db',
  transportUrl: 'amqp://guest:guest@localhost:5672/',
  endpointUrl: 'http://127.0.0.1',
  /** What `-i database` sets, after the options are read (so it wins over `-d`). */
  localMysqlUrl: 'mysql://root:password@localhost/faafo',
} as const;

export const InstallPlanSchema = z.object({
  /** -i and -r values, once each, in the order database, messaging, faafo, api, worker, demo. */
  roles: z.array(RoleSchema),
  transportUrl: z.string(),
  databaseUrl: z.string(),
  endpointUrl: z.string(),
  /** The installer invocation as a shell would have run it, for the boot log. */
  command: z.string(),
  /** What the script did besides (skipped commands, ignored values), for the boot log. */
  notes: z.array(z.string()),
});
export type InstallPlan = z.infer<typeof InstallPlanSchema>;

export const UnrecognisedSchema = z.object({
  /** Why nothing was started, worded as the node's console would say it. */
  unrecognised: z.string(),
  notes: z.array(z.string()).default([]),
});
export type Unrecognised = z.infer<typeof UnrecognisedSchema>;

export type UserDataResult = InstallPlan | Unrecognised;

export const isUnrecognised = (r: UserDataResult): r is Unrecognised => 'unrecognised' in r;

/** Userdata as clients send it (base64; cloud-init also takes it gzipped) → text. */
export function decodeUserData(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes).toString('utf8');
    } catch {
      return bytes.toString('utf8');
    }
  }
  return bytes.toString('utf8');
}

// ---------------------------------------------------------------------------------------------
// A small shell lexer: words (with quotes and escapes resolved) and control operators. Enough to
// read one-line installer invocations faithfully; expansions ($X, $(…), `…`) are only detected.

interface Word {
  kind: 'word';
  value: string;
  /** Contains an unquoted or double-quoted $ or backtick: its value depends on a shell. */
  expands: boolean;
}
interface Op {
  kind: 'op';
  value: string;
}
type Token = Word | Op;

class ShellSyntaxError extends Error {}

const OPERATORS = ['&&', '||', ';;', '>>', '<<', '>&', '<&', '|', '&', ';', '(', ')', '<', '>'];

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let word: string | null = null;
  let expands = false;
  const endWord = () => {
    if (word !== null) tokens.push({ kind: 'word', value: word, expands });
    word = null;
    expands = false;
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\' && text[i + 1] === '\n') {
      i += 2; // line continuation
      continue;
    }
    if (ch === '\\' && text[i + 1] === '\r' && text[i + 2] === '\n') {
      i += 3;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      endWord();
      i++;
      continue;
    }
    if (ch === '\n') {
      endWord();
      tokens.push({ kind: 'op', value: '\n' });
      i++;
      continue;
    }
    if (ch === '#' && word === null) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `'`");
      word = (word ?? '') + text.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (ch === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ShellSyntaxError('unexpected EOF while looking for matching `"`');
        const c = text[i]!;
        if (c === '"') break;
        if (c === '\\' && i + 1 < text.length && '$`"\\\n'.includes(text[i + 1]!)) {
          if (text[i + 1] !== '\n') value += text[i + 1];
          i += 2;
          continue;
        }
        if (c === '$' || c === '`') expands = true;
        value += c;
        i++;
      }
      word = (word ?? '') + value;
      i++;
      continue;
    }
    if (ch === '\\') {
      word = (word ?? '') + (text[i + 1] ?? '');
      i += 2;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      // `2>&1`, `2> file`: the digits before a redirection are a file descriptor, not a word.
      if ((op[0] === '>' || op[0] === '<') && word !== null && /^\d+$/.test(word)) word = null;
      endWord();
      tokens.push({ kind: 'op', value: op });
      i += op.length;
      continue;
    }
    if (ch === '$' || ch === '`') expands = true;
    word = (word ?? '') + ch;
    i++;
  }
  endWord();
  return tokens;
}

/** Tokens → pipelines (lists of simple commands), with redirections dropped. */
function pipelines(tokens: Token[]): Word[][][] {
  const out: Word[][][] = [];
  let pipeline: Word[][] = [];
  let command: Word[] = [];
  let skipNext = false;
  const endCommand = () => {
    if (command.length > 0) pipeline.push(command);
    command = [];
  };
  const endPipeline = () => {
    endCommand();
    if (pipeline.length > 0) out.push(pipeline);
    pipeline = [];
  };
  for (const token of tokens) {
    if (token.kind === 'word') {
      if (skipNext) skipNext = false;
      else command.push(token);
      continue;
    }
    switch (token.value) {
      case '|':
        endCommand();
        break;
      case '>':
      case '>>':
      case '<':
      case '>&':
      case '<&':
      case '<<':
        skipNext = true; // the redirection's target
        break;
      default:
        endPipeline();
    }
  }
  endPipeline();
  return out;
}

// ---------------------------------------------------------------------------------------------

const basename = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const INSTALLER_NAMES = new Set(['install.sh', 'faafo-install']);
const SHELLS = new Set(['bash', 'sh', 'dash']);

/** Drops `sudo [-E…]`, `env`, `exec`, `time` and leading VAR=value assignments. */
function stripPrefixes(words: Word[]): Word[] {
  let rest = words;
  for (;;) {
    const head = rest[0];
    if (!head) return rest;
    const name = basename(head.value);
    if (name === 'sudo') {
      rest = rest.slice(1);
      while (rest[0]?.value.startsWith('-')) rest = rest.slice(1);
    } else if (name === 'env' || name === 'exec' || name === 'time' || name === 'nohup') {
      rest = rest.slice(1);
    } else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(head.value)) {
      rest = rest.slice(1);
    } else {
      return rest;
    }
  }
}

/** The installer's arguments if this pipeline runs it, else undefined. */
function installerArgs(pipeline: Word[][]): Word[] | undefined {
  const commands = pipeline.map(stripPrefixes);
  const last = commands[commands.length - 1];
  if (!last || last.length === 0) return undefined;
  const name = basename(last[0]!.value);
  // install.sh …, ./install.sh …, faafo-install …
  if (INSTALLER_NAMES.has(name)) return last.slice(1);
  if (!SHELLS.has(name)) return undefined;
  // bash install.sh …
  const script = last.findIndex((w, i) => i > 0 && !w.value.startsWith('-'));
  const beforeScript = script < 0 ? last.slice(1) : last.slice(1, script);
  if (script > 0 && !beforeScript.some((w) => w.value === '-s')) {
    return INSTALLER_NAMES.has(basename(last[script]!.value)) ? last.slice(script + 1) : undefined;
  }
  // curl …/install.sh | bash -s -- …  (the script comes on stdin, named by an earlier command)
  const fed = commands
    .slice(0, -1)
    .some((c) => c.some((w) => INSTALLER_NAMES.has(basename(w.value.replace(/[?#].*$/, '')))));
  if (!fed) return undefined;
  const s = last.findIndex((w) => w.value === '-s');
  if (s < 0) return last.length === 1 ? [] : undefined;
  const args = last.slice(s + 1);
  return args[0]?.value === '--' ? args.slice(1) : args;
}

const shellQuote = (value: string) =>
  value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;

const describeCommand = (words: Word[]) => words.map((w) => shellQuote(w.value)).join(' ');

type Options = { i: string[]; r: string[]; m?: string; d?: string; e?: string; leftovers: string[] };

/** install.sh's `getopts e:m:d:i:r:` loop; a string is the script's own error (it exits 1). */
function getopts(args: string[]): Options | string {
  const options: Options = { i: [], r: [], leftovers: [] };
  let k = 0;
  while (k < args.length) {
    const arg = args[k]!;
    if (arg === '--') {
      k++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const flag = arg[1]!;
    if (!'emdir'.includes(flag)) {
      return `install.sh: illegal option -- ${flag}\nerror: unknown option ? (install.sh takes -i, -r, -m, -d and -e)`;
    }
    let value: string;
    if (arg.length > 2) {
      value = arg.slice(2);
      k++;
    } else {
      const next = args[k + 1];
      if (next === undefined) {
        return `install.sh: option requires an argument -- ${flag}\nerror: unknown option ?`;
      }
      value = next;
      k += 2;
    }
    if (flag === 'i' || flag === 'r') options[flag].push(value);
    else options[flag as 'm' | 'd' | 'e'] = value;
  }
  options.leftovers = args.slice(k);
  return options;
}

function planFrom(args: Word[], command: string, notes: string[]): UserDataResult {
  const expanding = args.find((w) => w.expands);
  if (expanding) {
    return {
      unrecognised: `the installer's argument ${shellQuote(expanding.value)} needs a shell to expand it, and the local cloud does not run userdata in a shell; write the value out.`,
      notes,
    };
  }
  const parsed = getopts(args.map((w) => w.value));
  if (typeof parsed === 'string') return { unrecognised: parsed, notes };
  const chosen = new Set<Role>();
  for (const value of parsed.i) {
    if (value === 'database' || value === 'messaging' || value === 'faafo') chosen.add(value);
    else notes.push(`install.sh ignores "-i ${value}" (it knows database, messaging and faafo)`);
  }
  for (const value of parsed.r) {
    if (value === 'api' || value === 'worker' || value === 'demo') chosen.add(value);
    else notes.push(`install.sh ignores "-r ${value}" (it knows api, worker and demo)`);
  }
  if (chosen.has('demo') && !chosen.has('api')) {
    chosen.delete('demo');
    notes.push('install.sh runs the demo (-r demo) only together with -r api');
  }
  if (parsed.leftovers.length > 0) {
    notes.push(`install.sh ignores the arguments after its options: ${parsed.leftovers.join(' ')}`);
  }
  const roles = INSTALL_ROLES.filter((r) => chosen.has(r));
  return InstallPlanSchema.parse({
    roles,
    transportUrl: parsed.m ?? INSTALLER_DEFAULTS.transportUrl,
    // As in install.sh: -i database sets the URL after the options were read, so it wins over -d.
    databaseUrl: chosen.has('database')
      ? INSTALLER_DEFAULTS.localMysqlUrl
      : (parsed.d ?? INSTALLER_DEFAULTS.databaseUrl),
    endpointUrl: parsed.e ?? INSTALLER_DEFAULTS.endpointUrl,
    command,
    notes,
  });
}

/** Shell commands (as pipelines) → the installer plan. */
function fromPipelines(all: Word[][][], notes: string[]): UserDataResult {
  const found: Array<{ args: Word[]; command: string }> = [];
  for (const pipeline of all) {
    const args = installerArgs(pipeline);
    if (args)
      found.push({ args, command: ['install.sh', ...args.map((w) => shellQuote(w.value))].join(' ') });
    else notes.push(`not emulated, skipped: ${pipeline.map(describeCommand).join(' | ')}`);
  }
  if (found.length === 0) {
    return {
      unrecognised:
        'the userdata does not run the faafo installer, so nothing was installed. The local cloud ' +
        "understands the guide's `curl -L -s …/contrib/install.sh | bash -s -- -i … -r …` and `install.sh -i … -r …`.",
      notes,
    };
  }
  if (found.length > 1) {
    return { unrecognised: 'the userdata runs the faafo installer more than once; run it once.', notes };
  }
  const only = found[0]!;
  return planFrom(only.args, only.command, notes);
}

function fromCloudConfig(text: string): UserDataResult {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { unrecognised: `cloud-init: the #cloud-config is not valid YAML: ${reason}`, notes: [] };
  }
  const runcmd = (doc as { runcmd?: unknown } | null)?.runcmd;
  const notes: string[] = [];
  const keys = doc && typeof doc === 'object' ? Object.keys(doc).filter((k) => k !== 'runcmd') : [];
  if (keys.length > 0) notes.push(`cloud-config modules not emulated, skipped: ${keys.join(', ')}`);
  if (!Array.isArray(runcmd)) return fromPipelines([], notes);
  const all: Word[][][] = [];
  for (const entry of runcmd) {
    if (typeof entry === 'string') all.push(...pipelines(lex(entry)));
    else if (Array.isArray(entry)) {
      // An argv list is run without a shell: its words are taken as they are.
      all.push([entry.map((v) => ({ kind: 'word' as const, value: String(v), expands: false }))]);
    }
  }
  return fromPipelines(all, notes);
}

/** Parses decoded userdata. Never runs or fetches anything. */
export function parseUserData(text: string): UserDataResult {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split('\n', 1)[0]!.trim();
  try {
    if (firstLine === '#cloud-config') return fromCloudConfig(body);
    if (!firstLine.startsWith('#!')) {
      return {
        unrecognised:
          'cloud-init: unhandled userdata (it neither starts with #! nor is #cloud-config), so it was not run. ' +
          'Start the script with #!/usr/bin/env bash.',
        notes: [],
      };
    }
    const interpreter = firstLine.slice(2).trim().split(/\s+/);
    const program = basename(
      interpreter[0] === '/usr/bin/env' ? (interpreter[1] ?? '') : (interpreter[0] ?? ''),
    );
    if (!SHELLS.has(program)) {
      return {
        unrecognised: `the userdata is a ${program || 'non-shell'} script; the local cloud emulates shell scripts that run the faafo installer.`,
        notes: [],
      };
    }
    return fromPipelines(pipelines(lex(body.slice(body.indexOf('\n') + 1))), []);
  } catch (error) {
    if (error instanceof ShellSyntaxError) {
      return { unrecognised: `the script is not valid shell: ${error.message}`, notes: [] };
    }
    throw error;
  }
}
