// `faafo-tutor --join URL CODE --name NAME` misused: each mistake is one usage line (exit 2) before
// anything is started — --join with one value, --join without --name, --name without --join — and
// a board that does not answer is one line (exit 1), with no cloud started for nobody.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/fake-board.ts';
import { cleanEnv, runTutor } from '../helpers/localcloud.ts';

const home = mkdtempSync(join(tmpdir(), 'tutor-join-usage-'));
const env = cleanEnv({
  HOME: home,
  XDG_DATA_HOME: join(home, 'data'),
  XDG_CONFIG_HOME: join(home, 'config'),
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('faafo-tutor --join misused', () => {
  it.each([
    [
      ['--join', 'http://127.0.0.1:8700', '--name', 'Ada'],
      `faafo-tutor: --join takes the board's address and the join code, as the teacher showed them: --join http://192.168.1.20:8700 K7M2QX --name "Ada L." (got 1 value).\n`,
    ],
    [
      ['--join', 'http://127.0.0.1:8700', 'K7M2QX', '--yes'],
      'faafo-tutor: --join needs --name NAME: how the teacher sees you on the board.\n',
    ],
    [
      ['--name', 'Ada', '--yes'],
      'faafo-tutor: --name goes with --join URL CODE (the board the teacher showed).\n',
    ],
    [
      ['--join', 'http://127.0.0.1:8700', 'K7M', '--name', 'Ada', '--plain'],
      'faafo-tutor: A join code is six letters and digits, as the board shows it.\n',
    ],
  ])('%j says one line', { timeout: 60_000 }, async (args, line) => {
    const run = await runTutor(args, env, 60_000);
    expect(run.stderr).toBe(line);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(line.includes('six letters') ? 1 : 2);
  });

  it('a board that does not answer is one line, exit 1, no cloud started', { timeout: 60_000 }, async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await runTutor(
      ['--join', url, 'K7M2QX', '--name', 'Ada', '--yes', '--quick', '--plain'],
      env,
      60_000,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `faafo-tutor: The board at ${url} does not answer (ECONNREFUSED). Check the address the teacher showed.\n`,
    );
    expect(run.stdout).toBe('');
  });
});
