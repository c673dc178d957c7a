// A throw-away RabbitMQ virtual host per test file, so the fixed queue name `normal` never carries
// tasks from one test (or an earlier run) into another. Made with rabbitmqctl, which CI has as root.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { TEST_RABBITMQ_URL } from './services.ts';

const run = promisify(execFile);

export interface TestVhost {
  url: string;
  name: string;
  remove(): Promise<void>;
}

export async function createVhost(prefix = 'faafo-test'): Promise<TestVhost> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const base = new URL(TEST_RABBITMQ_URL);
  await run('rabbitmqctl', ['add_vhost', name]);
  await run('rabbitmqctl', [
    'set_permissions',
    '-p',
    name,
    decodeURIComponent(base.username),
    '.*',
    '.*',
    '.*',
  ]);
  base.pathname = `/${encodeURIComponent(name)}`;
  return {
    url: base.toString(),
    name,
    async remove() {
      await run('rabbitmqctl', ['delete_vhost', name]).catch(() => {});
    },
  };
}
