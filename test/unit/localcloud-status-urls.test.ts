// `cloud status` prints, for every node that serves the guide's web pages, the whole URL that works
// on this host: the guide says http://IP_API_1/, but the node's API answers on the port it
// published in its metadata (80 needs root), at its floating IP (else its public address).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cloudPaths } from '../../src/localcloud/control/paths.ts';
import { cloudStatus, webUrls } from '../../src/localcloud/control/status.ts';

let dir: string;
let fakeServe: ChildProcess | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'localcloud-urls-'));
});
afterEach(() => {
  fakeServe?.kill('SIGKILL');
  fakeServe = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const server = (name: string, n: number, status: string, metadata: Record<string, string>) => ({
  id: `id-${name}`,
  name,
  status,
  fixedIp: `10.7.0.${n}`,
  loopbackIp: `127.7.1.${n}`,
  metadata,
});

/** A data dir whose state has four nodes, and (when running) a process that looks like its `serve`. */
function cloudWithNodes(running: boolean): string {
  const dataDir = join(dir, 'cloud');
  const paths = cloudPaths(dataDir);
  mkdirSync(dataDir);
  const state = {
    slot: 7,
    servers: [
      server('app-services', 3, 'ACTIVE', { 'local-cloud:ports': '5672=6672' }),
      server('app-api-1', 4, 'ACTIVE', { 'local-cloud:ports': '80=8080' }),
      server('app-api-2', 5, 'ACTIVE', { 'local-cloud:ports': '80=9080,5672=6672' }),
      server('app-api-3', 6, 'BUILD', { 'local-cloud:ports': '80=8080' }),
      server('app-worker-1', 7, 'ACTIVE', {}),
    ],
    floatingIps: [{ address: '127.7.2.3', serverId: 'id-app-api-1' }],
  };
  writeFileSync(paths.state, JSON.stringify(state));
  let pid: number | null = null;
  if (running) {
    // `serve` is recognised by its command line (never signal a recycled pid): this one matches.
    fakeServe = spawn(
      process.execPath,
      ['-e', 'setInterval(() => {}, 1000)', 'cloud', 'serve', '--data-dir', dataDir],
      {
        stdio: 'ignore',
      },
    );
    pid = fakeServe.pid!;
  }
  const endpoints = {
    identity: 'http://127.0.0.1:5000',
    compute: 'http://127.0.0.1:8774/v2.1',
    network: 'http://127.0.0.1:9696',
    image: 'http://127.0.0.1:9292',
  };
  writeFileSync(
    paths.run,
    JSON.stringify({ pid, slot: 7, host: '127.0.0.1', endpoints, dataDir, startedAt: '' }),
  );
  return dataDir;
}

function statusOf(dataDir: string, json = false): string {
  const out: string[] = [];
  cloudStatus(
    { dataDir, json },
    { stdout: { write: (t: string) => out.push(t) }, stderr: { write: () => true } },
  );
  return out.join('');
}

describe('the web URLs of the nodes', () => {
  it('status prints the whole URL of each API node: its floating IP, else its public address, with the published port', () => {
    const dataDir = cloudWithNodes(true);
    const text = statusOf(dataDir);
    // The table the tests and users rely on stays as it is.
    expect(text).toMatch(/app-api-1\s+ACTIVE\s+10\.7\.0\.4\s+127\.7\.1\.4\s+127\.7\.2\.3\s+0/);
    expect(text.trimEnd().split('\n').slice(-3)).toEqual([
      "Web pages (the guide's http://<IP>/ on this host; open them in a browser or with curl):",
      '  app-api-1  http://127.7.2.3:8080/',
      '  app-api-2  http://127.7.1.5:9080/',
    ]);
    const json = JSON.parse(statusOf(dataDir, true)) as { nodes: Array<{ name: string; urls: string[] }> };
    expect(Object.fromEntries(json.nodes.map((n) => [n.name, n.urls]))).toEqual({
      'app-services': [],
      'app-api-1': ['http://127.7.2.3:8080/'],
      'app-api-2': ['http://127.7.1.5:9080/'],
      'app-api-3': [],
      'app-worker-1': [],
    });
  });

  it('a cloud that is not running has no URLs to open', () => {
    const dataDir = cloudWithNodes(false);
    const text = statusOf(dataDir);
    expect(text).toContain('The local cloud is not running');
    expect(text).not.toContain('http://127.7.');
    const json = JSON.parse(statusOf(dataDir, true)) as { nodes: Array<{ urls: string[] }> };
    expect(json.nodes.every((n) => n.urls.length === 0)).toBe(true);
  });

  it('a web port that is 80 after all needs no port in the URL; two floating IPs give two URLs', () => {
    const node = {
      status: 'ACTIVE' as const,
      loopbackIp: '127.7.1.9',
      metadata: { 'local-cloud:ports': '5672=6672,80=80' },
    };
    expect(webUrls(node, [])).toEqual(['http://127.7.1.9/']);
    expect(
      webUrls({ ...node, metadata: { 'local-cloud:ports': '80=8080' } }, ['127.7.2.4', '127.7.2.5']),
    ).toEqual(['http://127.7.2.4:8080/', 'http://127.7.2.5:8080/']);
  });

  it("a room's cloud tells two projects' nodes of one name apart by their project", () => {
    const dataDir = join(dir, 'room');
    const paths = cloudPaths(dataDir);
    mkdirSync(dataDir);
    const state = {
      slot: 7,
      projects: [
        { id: 'p-alice', name: 'alice' },
        { id: 'p-bob', name: 'bob' },
      ],
      servers: [
        { ...server('app-worker-1', 3, 'SHUTOFF', {}), id: 'a', projectId: 'p-alice' },
        { ...server('app-worker-1', 4, 'SHUTOFF', {}), id: 'b', projectId: 'p-bob' },
      ],
      floatingIps: [],
    };
    writeFileSync(paths.state, JSON.stringify(state));
    const text = statusOf(dataDir);
    expect(text).toMatch(/^alice\/app-worker-1\s+SHUTOFF\s+10\.7\.0\.3/m);
    expect(text).toMatch(/^bob\/app-worker-1\s+SHUTOFF\s+10\.7\.0\.4/m);
    const json = JSON.parse(statusOf(dataDir, true)) as { nodes: Array<{ name: string; project: string }> };
    expect(json.nodes.map((n) => [n.project, n.name])).toEqual([
      ['alice', 'app-worker-1'],
      ['bob', 'app-worker-1'],
    ]);
  });
});
