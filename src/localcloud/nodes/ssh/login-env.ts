// What a login on a node finds: the node's own environment, not the host's. Its commands run
// through /bin/sh -c with this environment, as on a VM: the node's name as `hostname` and
// FAAFO_NODE_NAME, its faafo config (FAAFO_CONFIG_FILE → <node>/faafo.conf, so `faafo list` talks
// to the API it was set up for), and `uptime` reading the node's own load average. Those commands
// are small shims in <node>/bin, first on the PATH.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAAFO_BIN } from '../../../shared/bins.ts';
import { loadAverageFile } from '../limits/node-limits.ts';
import { nodeEnv } from '../supervisor.ts';

export interface LoginNode {
  name: string;
  /** <dataDir>/nodes/<server id> */
  dir: string;
}

/** When the node booted (epoch seconds), for `uptime`'s "up …". */
const bootedAtFile = (nodeDir: string) => join(nodeDir, 'booted-at');
export const loginBinDir = (nodeDir: string) => join(nodeDir, 'bin');

/** A word for /bin/sh: single-quoted, its own single quotes closed and escaped. */
export const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** procps' `uptime` line, from the node's load file; the load reads "unknown" until one is written. */
function uptimeScript(nodeDir: string): string {
  return `#!/bin/sh
# uptime on this node: its own load average (${loadAverageFile(nodeDir)}), not the host's.
now=$(date +%s)
booted=$(cat ${shellQuote(bootedAtFile(nodeDir))} 2>/dev/null || echo "$now")
s=$((now - booted)); d=$((s / 86400)); h=$((s % 86400 / 3600)); m=$((s % 3600 / 60))
if [ "$d" -gt 0 ]; then up=$(printf '%d day%s, %2d:%02d' "$d" "$([ "$d" -gt 1 ] && echo s)" "$h" "$m")
elif [ "$h" -gt 0 ]; then up=$(printf '%2d:%02d' "$h" "$m")
else up="$m min"; fi
load_file=${shellQuote(loadAverageFile(nodeDir))}
if [ -r "$load_file" ] && read -r one five fifteen _ < "$load_file"; then
  load="$one, $five, $fifteen"
else
  load="unknown (the cloud has not measured this node's load yet)"
fi
echo " $(date +%H:%M:%S) up $up,  1 user,  load average: $load"
`;
}

/** Writes the node's shims (uptime, hostname, faafo) and its boot time; called when it boots. */
export function prepareLogin(node: LoginNode, bootedAt: Date): void {
  const bin = loginBinDir(node.dir);
  mkdirSync(bin, { recursive: true });
  writeFileSync(bootedAtFile(node.dir), `${Math.floor(bootedAt.getTime() / 1000)}\n`);
  const scripts: Record<string, string> = {
    uptime: uptimeScript(node.dir),
    hostname: `#!/bin/sh\n# This node's hostname is its server name, as cloud-init sets it.\necho ${shellQuote(node.name)}\n`,
    // The node's faafo is the package's, whatever the login's PATH holds.
    faafo: `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(FAAFO_BIN)} "$@"\n`,
  };
  for (const [name, text] of Object.entries(scripts)) writeFileSync(join(bin, name), text, { mode: 0o755 });
}

/** The environment of a login as `user` on the node. */
export function loginEnv(node: LoginNode, user: string, term?: string): NodeJS.ProcessEnv {
  const conf = join(node.dir, 'faafo.conf');
  return nodeEnv({
    PATH: `${loginBinDir(node.dir)}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    // The node's dir is its home: a login lands beside its console.log and faafo.conf.
    HOME: node.dir,
    USER: user,
    LOGNAME: user,
    SHELL: '/bin/sh',
    HOSTNAME: node.name,
    FAAFO_NODE_NAME: node.name,
    ...(existsSync(conf) ? { FAAFO_CONFIG_FILE: conf } : {}),
    ...(term ? { TERM: term } : {}),
  });
}
