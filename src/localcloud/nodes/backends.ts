// Real engines instead of the embedded ones (the issue: "or a configured real RabbitMQ, given a
// vhost … or a configured real MariaDB"). A `-i messaging` node then starts no broker: every
// transport URL naming it becomes the configured RabbitMQ URL (its vhost included), and the node
// is up once that RabbitMQ accepts a TCP connection. A `-i database` node gets a database of its own
// on the configured MariaDB (faafo_<first 8 chars of its id>), created when it boots; API nodes'
// mysql://…@<that node>/faafo URLs resolve to it.
//
// Deleting the services node drops nothing: the database stays on the MariaDB (data safety — it is
// the student's server, and a deleted-then-recreated node must not cost anyone their fractals).
// Drop it by hand when it is no longer wanted.
import mysql from 'mysql2/promise';
import { redactText, redactUrl } from '../../shared/redact.ts';
import { tcpAnswers } from '../../shared/tcp-answers.ts';
import type { Server } from '../state.ts';
import type { ServiceBackends } from './roles.ts';

export interface BackendUrls {
  /** amqp://user:pass@host:5672/vhost */
  rabbitmqUrl?: string;
  /** mysql://user:pass@host:3306/ (any database in the path is replaced per node) */
  mysqlUrl?: string;
}

/** The database a services node owns on the configured MariaDB. */
export function databaseNameOf(server: Pick<Server, 'id'>): string {
  return `faafo_${server.id
    .replace(/[^0-9a-z]/gi, '')
    .slice(0, 8)
    .toLowerCase()}`;
}

function parse(url: string, what: string, schemes: RegExp): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`the ${what} URL is not a URL: ${redactUrl(url)}`);
  }
  if (!schemes.test(u.protocol))
    throw new Error(`the ${what} URL must start with ${schemes.source}: ${redactUrl(url)}`);
  if (!u.hostname) throw new Error(`the ${what} URL names no host: ${redactUrl(url)}`);
  return u;
}

/** Checks the URLs; throws (passwords masked) when one cannot be used. */
export function validateBackendUrls(urls: BackendUrls): void {
  if (urls.rabbitmqUrl) parse(urls.rabbitmqUrl, 'RabbitMQ', /^amqps?:$/);
  if (urls.mysqlUrl) parse(urls.mysqlUrl, 'MariaDB', /^(mysql|mariadb)(\+[a-z0-9_]+)?:$/i);
}

/** The ServiceBackends of roles.ts for the configured engines (none configured → undefined). */
export function realBackends(urls: BackendUrls, timeoutMs = 5000): ServiceBackends | undefined {
  validateBackendUrls(urls);
  const { rabbitmqUrl, mysqlUrl } = urls;
  if (!rabbitmqUrl && !mysqlUrl) return undefined;
  const databaseUrl = (node: Server) => {
    const u = parse(mysqlUrl!, 'MariaDB', /^(mysql|mariadb)(\+[a-z0-9_]+)?:$/i);
    u.pathname = `/${databaseNameOf(node)}`;
    u.search = '';
    return u.toString();
  };
  return {
    ...(rabbitmqUrl ? { messaging: () => rabbitmqUrl } : {}),
    ...(mysqlUrl ? { database: databaseUrl } : {}),
    async prepare(node, role) {
      if (role === 'messaging' && rabbitmqUrl) {
        const u = parse(rabbitmqUrl, 'RabbitMQ', /^amqps?:$/);
        const port = Number(u.port || (u.protocol === 'amqps:' ? 5671 : 5672));
        const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
        if (!(await tcpAnswers(host, port, timeoutMs)))
          throw new Error(`the configured RabbitMQ ${redactUrl(rabbitmqUrl)} does not answer`);
      }
      if (role === 'database' && mysqlUrl) {
        const u = parse(mysqlUrl, 'MariaDB', /^(mysql|mariadb)(\+[a-z0-9_]+)?:$/i);
        try {
          const admin = await mysql.createConnection({
            host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
            port: Number(u.port || 3306),
            user: decodeURIComponent(u.username),
            password: decodeURIComponent(u.password),
            connectTimeout: timeoutMs,
          });
          try {
            await admin.query(
              `CREATE DATABASE IF NOT EXISTS ${admin.escapeId(databaseNameOf(node))} CHARACTER SET utf8mb4`,
            );
          } finally {
            await admin.end();
          }
        } catch (error) {
          const why = redactText(error instanceof Error ? error.message : String(error));
          throw new Error(`the configured MariaDB ${redactUrl(mysqlUrl)} refused a database: ${why}`);
        }
      }
    },
  };
}
