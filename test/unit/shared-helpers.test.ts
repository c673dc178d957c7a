// src/shared: the helpers every part uses. One error base that the CLIs catch once (each part's
// user-facing errors are instances of it, with their exit code), one redaction rule, atomic writes
// that leave no temporary file, and the process check.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrokerCliError } from '../../src/broker/cli.ts';
import { CloudConfigError } from '../../src/cloud/config.ts';
import { CloudError } from '../../src/cloud/errors.ts';
import { ApiResponseError, UnreachableError } from '../../src/faafo/cli/client.ts';
import { CliError, UsageError } from '../../src/faafo/cli/errors.ts';
import { ConfigError } from '../../src/faafo/config.ts';
import { CloudCliError } from '../../src/localcloud/control/io.ts';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/shared/atomic-write.ts';
import { TUTOR_BIN } from '../../src/shared/bins.ts';
import { isAlive } from '../../src/shared/process-alive.ts';
import { redactText, redactUrl } from '../../src/shared/redact.ts';
import { EXIT_FAILURE, EXIT_USAGE, UserError } from '../../src/shared/user-error.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shared-helpers-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('UserError: the one base of every user-facing failure', () => {
  it("each part's user-facing errors are UserErrors, with their name and exit code", () => {
    const cases: Array<[UserError, string, number]> = [
      [new CloudCliError('the cloud is not running.'), 'CloudCliError', EXIT_FAILURE],
      [new BrokerCliError('the port is taken.'), 'BrokerCliError', EXIT_FAILURE],
      [new CloudError('Nova said no.', 403), 'CloudError', EXIT_FAILURE],
      [new CloudConfigError('no such cloud.'), 'CloudConfigError', EXIT_FAILURE],
      [new CliError('failed.'), 'CliError', EXIT_FAILURE],
      [new UsageError('--width must be a number.'), 'UsageError', EXIT_USAGE],
      [new ApiResponseError(404, 'Not found', 'show x'), 'ApiResponseError', EXIT_FAILURE],
      [new UnreachableError('http://127.0.0.1:1', 'connection refused'), 'UnreachableError', EXIT_FAILURE],
      [new ConfigError('Invalid setting bind-port.'), 'ConfigError', EXIT_USAGE],
    ];
    for (const [error, name, exitCode] of cases) {
      expect(error, name).toBeInstanceOf(UserError);
      expect(error.name).toBe(name);
      expect(error.exitCode, name).toBe(exitCode);
    }
    // A programming error is not one: the CLIs call it unexpected.
    expect(new TypeError('x is undefined')).not.toBeInstanceOf(UserError);
  });

  it('keeps the cause it was given (shown with --debug)', () => {
    const cause = new Error('ECONNREFUSED');
    expect(new BrokerCliError('cannot listen.', { cause }).cause).toBe(cause);
    expect(new CliError('failed.', EXIT_FAILURE, { cause }).cause).toBe(cause);
  });

  it('faafo-tutor prints a UserError of any part as one line, named after the command, with its exit code', () => {
    const run = spawnSync(process.execPath, [TUTOR_BIN, 'cloud', 'env', '--data-dir', join(dir, 'none')], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `faafo-tutor cloud: the local cloud in ${join(dir, 'none')} is not running. Start it with 'faafo-tutor cloud up'.\n`,
    );
  });
});

describe('redaction', () => {
  it('masks the password of a URL, and of every URL in a text, even with an empty user', () => {
    expect(redactUrl('amqp://guest:secret@10.0.0.4:5672/')).toBe('amqp://guest:***@10.0.0.4:5672/');
    expect(redactUrl('mysql://faafo@db/faafo')).toBe('mysql://faafo@db/faafo');
    expect(redactText('connect amqp://:secret@h:5672/ and mysql://a:b@c/d failed')).toBe(
      'connect amqp://:***@h:5672/ and mysql://a:***@c/d failed',
    );
    expect(redactText('no secrets here: http://example.org/a:b')).toBe(
      'no secrets here: http://example.org/a:b',
    );
  });
});

describe('atomic writes', () => {
  it('write the whole file with the mode asked for, and leave no temporary file', async () => {
    const file = join(dir, 'cloud.json');
    writeFileAtomicSync(file, '{"pid": 1}\n');
    writeFileAtomicSync(file, '{"pid": 2}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"pid": 2}\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await writeFileAtomic(join(dir, 'a.png'), new Uint8Array([1, 2, 3]));
    expect([...readFileSync(join(dir, 'a.png'))]).toEqual([1, 2, 3]);
    expect(readdirSync(dir).sort()).toEqual(['a.png', 'cloud.json']);
  });

  it('a write that fails leaves neither the target nor a temporary file', async () => {
    const into = join(dir, 'missing', 'x.json');
    expect(() => writeFileAtomicSync(into, '{}')).toThrow(/ENOENT/);
    await expect(writeFileAtomic(into, new Uint8Array([1]))).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('isAlive', () => {
  it('is true for a running process and false for one that exited', () => {
    expect(isAlive(process.pid)).toBe(true);
    const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    expect(isAlive(Number(child.stdout.trim()))).toBe(false);
  });
});
