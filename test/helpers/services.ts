// Real services that some tests need (RabbitMQ, MariaDB, PostgreSQL, Chromium). Under CI they must be up:
// a missing service fails the test. Elsewhere the test is skipped with one loud line.
import { existsSync } from 'node:fs';
import { tcpAnswers } from '../../src/shared/tcp-answers.ts';

export const TEST_RABBITMQ_URL = process.env.FAAFO_TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';
export const TEST_MYSQL_URL = process.env.FAAFO_TEST_MYSQL_URL ?? 'mysql://faafo:password@127.0.0.1:3306/';
export const TEST_POSTGRES_URL =
  process.env.FAAFO_TEST_POSTGRES_URL ?? 'postgresql://faafo:password@127.0.0.1:5432/postgres';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Headless, sandbox off (containers), and nothing that would reach beyond this machine on its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** True when something accepts TCP connections at the URL's host and port. */
export function tcpReachable(url: string, defaultPort: number, timeoutMs = 1500): Promise<boolean> {
  const u = new URL(url);
  const port = Number(u.port || defaultPort);
  return tcpAnswers(u.hostname, port, timeoutMs);
}

/**
 * Decides whether a service-backed suite runs. Returns true to run, false to skip (outside CI,
 * after printing one loud line). Under CI a missing service throws, so the run fails.
 */
export async function serviceAvailable(name: string, probe: () => Promise<boolean>): Promise<boolean> {
  if (await probe()) return true;
  const message = `${name} is not available`;
  if (process.env.CI) throw new Error(`${message}, and CI is set: .ci/run should have started it.`);
  console.warn(`\n!!! SKIPPING tests that need ${name}: ${message}. Start it (see .ci/run) to run them.\n`);
  return false;
}

export const rabbitmqAvailable = () =>
  serviceAvailable('RabbitMQ', () => tcpReachable(TEST_RABBITMQ_URL, 5672));
export const mysqlAvailable = () =>
  serviceAvailable('MariaDB/MySQL', () => tcpReachable(TEST_MYSQL_URL, 3306));
export const postgresAvailable = () =>
  serviceAvailable('PostgreSQL', () => tcpReachable(TEST_POSTGRES_URL, 5432));
export const chromiumAvailable = () => serviceAvailable('Chromium', async () => existsSync(CHROMIUM_PATH));

/** Debian's python3-openstackclient, the real client the local cloud must satisfy. */
export const OPENSTACK_CLI = '/usr/bin/openstack';
export const openstackCliAvailable = () =>
  serviceAvailable('the openstack CLI', async () => existsSync(OPENSTACK_CLI));
