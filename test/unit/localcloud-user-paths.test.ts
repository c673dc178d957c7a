// A path the user gives the local cloud that cannot be a directory (a file, a path under a file, a
// directory they may not write) is their mistake: every `cloud` command says so in one plain line
// that names the path and the fix, instead of an "unexpected error: ENOTDIR …".
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeUserCloudsYaml } from '../../src/localcloud/control/client-files.ts';
import { cloudDown } from '../../src/localcloud/control/down.ts';
import { cloudEnv } from '../../src/localcloud/control/env.ts';
import { CloudCliError } from '../../src/localcloud/control/io.ts';
import { cloudReset } from '../../src/localcloud/control/reset.ts';
import { serveCloud } from '../../src/localcloud/control/serve.ts';
import { claimSlot, pickSlot } from '../../src/localcloud/control/slots.ts';
import { cloudStatus } from '../../src/localcloud/control/status.ts';
import { cloudUp } from '../../src/localcloud/control/up.ts';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'localcloud-paths-'));
  file = join(dir, 'notes.txt');
  writeFileSync(file, 'not a directory\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const io = { stdout: { write: () => true }, stderr: { write: () => true } };

/** The error a call fails with, sync or async. */
async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('it did not fail');
}

const commands = (dataDir: string, slotsDir: string) => ({
  up: () => cloudUp({ dataDir, env: { ...process.env, FAAFO_CLOUD_SLOTS_DIR: slotsDir } }, io),
  serve: () => serveCloud({ dataDir, slot: 250 }),
  status: () => cloudStatus({ dataDir }, io),
  'status --json': () => cloudStatus({ dataDir, json: true }, io),
  down: () => cloudDown({ dataDir }, io),
  env: () => cloudEnv({ dataDir }, io),
  reset: () => cloudReset({ dataDir }, io),
});

describe('a data dir that cannot be a directory', () => {
  it('under a file: every command names the file in the way and the option to change', async () => {
    const dataDir = join(file, 'cloud');
    for (const [name, run] of Object.entries(commands(dataDir, join(dir, 'slots')))) {
      const error = await failure(run);
      expect(error, name).toBeInstanceOf(CloudCliError);
      expect((error as Error).message, name).toBe(
        `cannot use ${dataDir} as the local cloud's data dir: ${file} is a file, not a directory. Choose another --data-dir (or $FAAFO_CLOUD_DIR).`,
      );
    }
  });

  it('a file itself: every command says it is a file', async () => {
    for (const [name, run] of Object.entries(commands(file, join(dir, 'slots')))) {
      const error = await failure(run);
      expect(error, name).toBeInstanceOf(CloudCliError);
      expect((error as Error).message, name).toBe(
        `cannot use ${file} as the local cloud's data dir: it is a file, not a directory. Choose another --data-dir (or $FAAFO_CLOUD_DIR).`,
      );
    }
  });

  it.skipIf(process.getuid?.() === 0)('a directory the user may not write: up and serve say so', async () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    try {
      for (const run of [
        commands(join(locked, 'cloud'), join(dir, 'slots')).up,
        () => serveCloud({ dataDir: locked }),
      ]) {
        const error = await failure(run);
        expect(error).toBeInstanceOf(CloudCliError);
        expect((error as Error).message).toMatch(
          /^cannot use .*locked.* permission denied .*Choose another --data-dir/,
        );
      }
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it('a data dir that does not exist yet is no mistake for the commands that only read', async () => {
    const out: string[] = [];
    const capture = { stdout: { write: (t: string) => out.push(t) }, stderr: io.stderr };
    const dataDir = join(dir, 'not-yet');
    cloudStatus({ dataDir }, capture);
    await cloudDown({ dataDir }, capture);
    await cloudReset({ dataDir }, capture);
    expect(out.join('')).toBe(
      [
        `The local cloud is not running (data in ${dataDir}). Start it with 'faafo-tutor cloud up'.`,
        '',
        'No nodes.',
        'The local cloud is not running.',
        `Nothing to reset: ${dataDir} does not exist.`,
        '',
      ].join('\n'),
    );
  });
});

describe('a slot registry that cannot be a directory', () => {
  const registryError = (registry: string, what: string) =>
    `cannot use ${registry} as this host's registry of local-cloud address slots: ${what}. Remove what is in the way, or set $FAAFO_CLOUD_SLOTS_DIR to a directory every user may write to.`;

  it('a file: picking and claiming a slot say so', async () => {
    expect(await failure(() => pickSlot(file))).toEqual(
      new CloudCliError(registryError(file, 'it is a file, not a directory')),
    );
    expect(await failure(() => claimSlot(3, join(dir, 'cloud'), file))).toEqual(
      new CloudCliError(registryError(file, 'it is a file, not a directory')),
    );
  });

  it('under a file: claiming a slot names the file in the way', async () => {
    const registry = join(file, 'slots');
    expect(await failure(() => claimSlot(3, join(dir, 'cloud'), registry))).toEqual(
      new CloudCliError(registryError(registry, `${file} is a file, not a directory`)),
    );
  });

  it('up says so before it starts anything (not at the end of the server log)', async () => {
    const dataDir = join(dir, 'cloud');
    const error = await failure(commands(dataDir, file).up);
    expect(error).toEqual(new CloudCliError(registryError(file, 'it is a file, not a directory')));
  });
});

describe("the user's own clouds.yaml (up --user-clouds-yaml)", () => {
  const credentials = {
    authUrl: 'http://127.0.0.1:5000',
    username: 'demo',
    password: 'pw',
    projectName: 'demo',
  };

  it('a config home that is a file: names it and the way out', async () => {
    const error = await failure(() => mergeUserCloudsYaml(credentials, { XDG_CONFIG_HOME: file }));
    expect(error).toEqual(
      new CloudCliError(
        `cannot use ${join(file, 'openstack')} as the directory of your OpenStack clouds.yaml: ${file} is a file, not a directory. Fix $XDG_CONFIG_HOME (or ~/.config), or leave out --user-clouds-yaml.`,
      ),
    );
  });

  it('a clouds.yaml that is a directory: says so', async () => {
    const config = join(dir, 'config');
    mkdirSync(join(config, 'openstack', 'clouds.yaml'), { recursive: true });
    const error = await failure(() => mergeUserCloudsYaml(credentials, { XDG_CONFIG_HOME: config }));
    expect(error).toEqual(
      new CloudCliError(
        `${join(config, 'openstack', 'clouds.yaml')} is not a file; remove it, or leave out --user-clouds-yaml.`,
      ),
    );
  });
});
