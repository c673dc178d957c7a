// Real-engine settings: how `cloud up` keeps them (backends.json, 0600), shows them (passwords
// masked), and how a node's URLs and readiness follow from them (nodes/backends.ts).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBackends, saveBackends } from '../../src/localcloud/control/backends.ts';
import { CloudCliError } from '../../src/localcloud/control/io.ts';
import { cloudPaths } from '../../src/localcloud/control/paths.ts';
import { cloudStatus } from '../../src/localcloud/control/status.ts';
import { databaseNameOf, realBackends } from '../../src/localcloud/nodes/backends.ts';
import type { Server } from '../../src/localcloud/state.ts';

const RABBIT = 'amqp://alice:s3cret@127.0.0.1:5672/lesson';
const MYSQL = 'mysql://bob:hunter2@127.0.0.1:3306/';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'faafo-backends-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('backends.json', () => {
  it('keeps the URLs for later runs, owner-only, and an empty string removes one', () => {
    const paths = cloudPaths(dir);
    expect(readBackends(paths)).toEqual({});
    saveBackends(paths, { rabbitmqUrl: RABBIT });
    saveBackends(paths, { mysqlUrl: MYSQL });
    expect(readBackends(paths)).toEqual({ rabbitmqUrl: RABBIT, mysqlUrl: MYSQL });
    expect(statSync(paths.backends).mode & 0o777).toBe(0o600);
    saveBackends(paths, { rabbitmqUrl: '' });
    expect(readBackends(paths)).toEqual({ mysqlUrl: MYSQL });
    saveBackends(paths, { mysqlUrl: '' });
    expect(readBackends(paths)).toEqual({});
  });

  it('refuses a URL it cannot use, without showing its password', () => {
    const paths = cloudPaths(dir);
    let error: unknown;
    try {
      saveBackends(paths, { rabbitmqUrl: 'http://alice:s3cret@host/' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CloudCliError);
    expect(String(error)).not.toContain('s3cret');
    expect(readBackends(paths)).toEqual({});
  });

  it('cloud status shows them with the passwords masked', () => {
    const paths = cloudPaths(dir);
    saveBackends(paths, { rabbitmqUrl: RABBIT, mysqlUrl: MYSQL });
    let out = '';
    cloudStatus(
      { dataDir: dir, json: true },
      { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => {} } },
    );
    expect(JSON.parse(out).backends).toEqual({
      rabbitmqUrl: 'amqp://alice:***@127.0.0.1:5672/lesson',
      mysqlUrl: 'mysql://bob:***@127.0.0.1:3306/',
    });
    expect(out).not.toMatch(/s3cret|hunter2/);
    expect(readFileSync(paths.backends, 'utf8')).toContain('s3cret');
  });
});

describe('realBackends', () => {
  const node = { id: 'ABCDEF12-3456-7890-abcd-ef1234567890', name: 'app-services' } as Server;

  it('is undefined when nothing is configured', () => {
    expect(realBackends({})).toBeUndefined();
  });

  it('gives a services node the RabbitMQ URL as configured and a database of its own', () => {
    const backends = realBackends({
      rabbitmqUrl: RABBIT,
      mysqlUrl: 'mysql://bob:hunter2@db:3306/ignored?x=1',
    })!;
    expect(databaseNameOf(node)).toBe('faafo_abcdef12');
    expect(backends.messaging?.(node)).toBe(RABBIT);
    expect(backends.database?.(node)).toBe('mysql://bob:hunter2@db:3306/faafo_abcdef12');
  });

  it('fails a messaging node whose RabbitMQ does not answer, password masked', async () => {
    const backends = realBackends({ rabbitmqUrl: 'amqp://alice:s3cret@127.0.0.1:1/v' }, 1000)!;
    const error = await backends.prepare!(node, 'messaging').catch((e: unknown) => e);
    expect(String(error)).toMatch(/does not answer/);
    expect(String(error)).not.toContain('s3cret');
  });
});
