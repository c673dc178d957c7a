// A fresh local cloud for the lab's scale-out measurements (the bench and the e2e load test): the
// tests' own cloud (temp dir, its own slot, free ports), a cloud connection to it through its OS_*
// variables only, the demokey key pair imported beforehand (so the prelude does not write a key
// into the real home) with its private key on disk for `ssh`, and the step runner's options.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../../src/cloud/connect.ts';
import type { Connection } from '../../src/cloud/driver.ts';
import type { RunStepOptions } from '../../src/lesson/run-step.ts';
import type { LocalNodeRuntime } from '../../src/localcloud/nodes/runtime.ts';
import { cleanEnv, startTestCloud, type TestCloud } from './localcloud.ts';

export interface LabCloud {
  cloud: TestCloud;
  conn: Connection;
  /** What the lesson's steps run with (this cloud's OS_*, a quick poll). */
  run: RunStepOptions;
  /** demokey's private key file. */
  keyFile: string;
  /**
   * The broker a node runs, as this machine reaches it (its loopback address and the cloud's AMQP
   * port), for the queue meter; undefined when no such node is up.
   */
  brokerUrl(nodeName: string): Promise<string | undefined>;
  close(): Promise<void>;
}

export async function startLabCloud(prefix: string): Promise<LabCloud> {
  const cloud = await startTestCloud(prefix);
  try {
    const env = cleanEnv({
      ...cloud.osEnv,
      HOME: cloud.dir,
      XDG_DATA_HOME: join(cloud.dir, 'data'),
      XDG_CONFIG_HOME: join(cloud.dir, 'config'),
    });
    const conn = await connect({ env, pollMs: 200 });
    const key = await conn.importKeyPair('demokey');
    const keyFile = join(cloud.dir, 'demokey.pem');
    writeFileSync(keyFile, key.privateKey!, { mode: 0o600 });
    return {
      cloud,
      conn,
      run: { env, pollMs: 200 },
      keyFile,
      async brokerUrl(nodeName) {
        const server = cloud.serving.cloud.store
          .read()
          .servers.find((s) => s.name === nodeName && s.status === 'ACTIVE');
        if (!server) return undefined;
        const ports = await (cloud.serving.cloud.runtime as LocalNodeRuntime).servicePorts();
        return `amqp://guest:guest@${server.loopbackIp}:${ports.amqp}/`;
      },
      close: () => cloud.close(),
    };
  } catch (error) {
    await cloud.close();
    throw error;
  }
}
