// backends.json: the real RabbitMQ/MariaDB a data dir's cloud uses instead of its embedded engines.
// Kept in the data dir (mode 0600: the URLs hold passwords) so `cloud up` after `down` keeps them;
// `serve` reads them here, never from its argv (which every user can read in /proc).
import { rmSync } from 'node:fs';
import { writeFileAtomicSync } from '../../shared/atomic-write.ts';
import { redactUrl } from '../../shared/redact.ts';
import { type BackendUrls, validateBackendUrls } from '../nodes/backends.ts';
import { CloudCliError } from './io.ts';
import { type CloudPaths, readJsonFile } from './paths.ts';

/** The configured real engines of this data dir (none → {}). */
export function readBackends(paths: CloudPaths): BackendUrls {
  const saved = readJsonFile<BackendUrls>(paths.backends) ?? {};
  return {
    ...(typeof saved.rabbitmqUrl === 'string' && saved.rabbitmqUrl ? { rabbitmqUrl: saved.rabbitmqUrl } : {}),
    ...(typeof saved.mysqlUrl === 'string' && saved.mysqlUrl ? { mysqlUrl: saved.mysqlUrl } : {}),
  };
}

/** validateBackendUrls, failing as the user's mistake it is (passwords masked). */
export function checkBackends(backends: BackendUrls): void {
  try {
    validateBackendUrls(backends);
  } catch (error) {
    throw new CloudCliError((error as Error).message);
  }
}

/**
 * Merges newly given engine URLs into backends.json (an empty string removes one) and returns the
 * result. A URL that cannot be used fails here, with its password masked.
 */
export function saveBackends(paths: CloudPaths, given: BackendUrls): BackendUrls {
  const merged: BackendUrls = { ...readBackends(paths) };
  for (const key of ['rabbitmqUrl', 'mysqlUrl'] as const) {
    const value = given[key];
    if (value === undefined) continue;
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  checkBackends(merged);
  if (merged.rabbitmqUrl || merged.mysqlUrl)
    writeFileAtomicSync(paths.backends, `${JSON.stringify(merged, null, 2)}\n`);
  else rmSync(paths.backends, { force: true });
  return merged;
}

/** The configured engines as shown to the user: passwords masked. */
export function shownBackends(backends: BackendUrls): BackendUrls {
  return {
    ...(backends.rabbitmqUrl ? { rabbitmqUrl: redactUrl(backends.rabbitmqUrl) } : {}),
    ...(backends.mysqlUrl ? { mysqlUrl: redactUrl(backends.mysqlUrl) } : {}),
  };
}

/** The lines `up` and `status` print for the configured engines (none → none). */
export function backendLines(backends: BackendUrls): string[] {
  const shown = shownBackends(backends);
  return [
    ...(shown.rabbitmqUrl ? [`messaging (-i messaging): the configured RabbitMQ ${shown.rabbitmqUrl}`] : []),
    ...(shown.mysqlUrl ? [`database (-i database): the configured MariaDB ${shown.mysqlUrl}`] : []),
  ];
}
