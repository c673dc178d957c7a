import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeUserData,
  type InstallPlan,
  isUnrecognised,
  parseUserData,
  type UserDataResult,
} from '../../src/localcloud/nodes/userdata.ts';

// The seed's step-4/5/6 userdata exactly as the guide's Python produces it: inside a '''…''' literal
// a backslash-newline is a Python line continuation, so the text libcloud sends has none; the
// %-substitution puts app-services at 10.0.0.3 and app-api-1 at 10.0.0.4.
const URL = 'http://git.openstack.org/cgit/stackforge/faafo/plain/contrib/install.sh';
const STEP4 = `#!/usr/bin/env bash\ncurl -L -s ${URL} | bash -s -- -i database -i messaging\n`;
const STEP5 =
  `#!/usr/bin/env bash\ncurl -L -s ${URL} | bash -s -- -i faafo -r api ` +
  `-m 'amqp://guest:guest@10.0.0.3:5672/' -d 'mysql://faafo:password@10.0.0.3:3306/faafo'\n`;
const STEP6 =
  `#!/usr/bin/env bash\ncurl -L -s ${URL} | bash -s -- -i faafo -r worker ` +
  `-e 'http://10.0.0.4' -m 'amqp://guest:guest@10.0.0.3:5672/'\n`;

// The same scripts as a shell file (or a raw string in TypeScript) holds them: with the
// backslash-newline continuations still in.
const STEP5_RAW = String.raw`#!/usr/bin/env bash
curl -L -s http://git.openstack.org/cgit/stackforge/faafo/plain/contrib/install.sh | bash -s -- \
-i faafo -r api -m 'amqp://guest:guest@10.0.0.3:5672/' \
-d 'mysql://faafo:password@10.0.0.3:3306/faafo'
`;

function plan(result: UserDataResult): InstallPlan {
  if (isUnrecognised(result)) throw new Error(`unrecognised: ${result.unrecognised}`);
  return result;
}

describe('parseUserData: the guide', () => {
  it('step 4: services node', () => {
    const p = plan(parseUserData(STEP4));
    expect(p.roles).toEqual(['database', 'messaging']);
    // -i database sets the local MySQL URL after the options are read.
    expect(p.databaseUrl).toBe('mysql://root:password@localhost/faafo');
    expect(p.transportUrl).toBe('amqp://guest:guest@localhost:5672/');
    expect(p.endpointUrl).toBe('http://127.0.0.1');
    expect(p.command).toBe('install.sh -i database -i messaging');
    expect(p.notes).toEqual([]);
  });

  it('step 5: api node', () => {
    const p = plan(parseUserData(STEP5));
    expect(p.roles).toEqual(['faafo', 'api']);
    expect(p.transportUrl).toBe('amqp://guest:guest@10.0.0.3:5672/');
    expect(p.databaseUrl).toBe('mysql://faafo:password@10.0.0.3:3306/faafo');
    expect(p.endpointUrl).toBe('http://127.0.0.1');
    expect(p.command).toBe(
      'install.sh -i faafo -r api -m amqp://guest:guest@10.0.0.3:5672/ -d mysql://faafo:password@10.0.0.3:3306/faafo',
    );
  });

  it('step 6: worker node', () => {
    const p = plan(parseUserData(STEP6));
    expect(p.roles).toEqual(['faafo', 'worker']);
    expect(p.endpointUrl).toBe('http://10.0.0.4');
    expect(p.transportUrl).toBe('amqp://guest:guest@10.0.0.3:5672/');
    expect(p.databaseUrl).toBe('sqlite:////tmp/sqlite.db');
  });

  it('reads line continuations as the shell does', () => {
    expect(parseUserData(STEP5_RAW)).toEqual(parseUserData(STEP5));
    const crlf = STEP5_RAW.replaceAll('\n', '\r\n');
    expect(plan(parseUserData(crlf)).databaseUrl).toBe('mysql://faafo:password@10.0.0.3:3306/faafo');
  });

  it('decodes base64 as clients send it, and gzip as cloud-init accepts it', () => {
    const b64 = Buffer.from(STEP6).toString('base64');
    expect(decodeUserData(b64)).toBe(STEP6);
    expect(decodeUserData(gzipSync(Buffer.from(STEP6)).toString('base64'))).toBe(STEP6);
  });

  it('the other topologies of the guide: all-in-one and controller/worker', () => {
    const allInOne = plan(
      parseUserData(
        `#!/usr/bin/env bash\ncurl -L -s ${URL} | bash -s -- \\\n  -i faafo -i messaging -r api -r worker -r demo\n`,
      ),
    );
    expect(allInOne.roles).toEqual(['messaging', 'faafo', 'api', 'worker', 'demo']);
    expect(allInOne.databaseUrl).toBe('sqlite:////tmp/sqlite.db');
    const worker = plan(
      parseUserData(
        `#!/usr/bin/env bash\ncurl -L -s ${URL} | bash -s -- \\\n  -i faafo -r worker -e 'http://10.0.0.5' -m 'amqp://guest:guest@10.0.0.5:5672/'\n`,
      ),
    );
    expect(worker.endpointUrl).toBe('http://10.0.0.5');
  });
});

describe('parseUserData: shell forms', () => {
  it('double quotes, escapes, combined flags and repeated options', () => {
    const p = plan(
      parseUserData(
        '#!/bin/sh\ninstall.sh -ifaafo -r"api" -m "amqp://guest:guest@10.0.0.3:5672/" -m amqp://u:p\\@x@10.0.0.9/ -d mysql://a:b@10.0.0.3/faafo\n',
      ),
    );
    expect(p.roles).toEqual(['faafo', 'api']);
    expect(p.transportUrl).toBe('amqp://u:p@x@10.0.0.9/'); // the last -m wins
    expect(p.databaseUrl).toBe('mysql://a:b@10.0.0.3/faafo');
  });

  it('direct invocations: ./install.sh, bash install.sh, sudo, faafo-install', () => {
    for (const line of [
      './install.sh -i faafo -r worker',
      'bash install.sh -i faafo -r worker',
      'sudo -E bash /tmp/install.sh -i faafo -r worker',
      'faafo-install -i faafo -r worker',
      'wget -qO- http://example.org/faafo/contrib/install.sh | sudo bash -s -- -i faafo -r worker',
    ]) {
      expect(plan(parseUserData(`#!/bin/bash\n${line}\n`)).roles, line).toEqual(['faafo', 'worker']);
    }
  });

  it('skips other commands, comments and redirections, saying so', () => {
    const p = plan(
      parseUserData(
        '#!/bin/bash\n# set up the node\nset -e\napt-get update > /dev/null 2>&1\n' +
          `curl -L -s ${URL} | bash -s -- -i messaging # the broker\n`,
      ),
    );
    expect(p.roles).toEqual(['messaging']);
    expect(p.notes).toEqual(['not emulated, skipped: set -e', 'not emulated, skipped: apt-get update']);
  });

  it('defaults, and what install.sh itself ignores', () => {
    const p = plan(
      parseUserData('#!/bin/bash\ninstall.sh -i faafo -i cassandra -r demo -r bogus extra args\n'),
    );
    expect(p.roles).toEqual(['faafo']);
    expect(p.transportUrl).toBe('amqp://guest:guest@localhost:5672/');
    expect(p.databaseUrl).toBe('sqlite:////tmp/sqlite.db');
    expect(p.endpointUrl).toBe('http://127.0.0.1');
    expect(p.notes).toHaveLength(4);
    expect(p.notes.join('\n')).toMatch(/-i cassandra/);
    expect(p.notes.join('\n')).toMatch(/only together with -r api/);
    expect(p.notes.join('\n')).toMatch(/extra args/);
  });

  it('-i database wins over -d, as in the script', () => {
    const p = plan(parseUserData('#!/bin/bash\ninstall.sh -d sqlite:////x.db -i database -i faafo -r api\n'));
    expect(p.databaseUrl).toBe('mysql://root:password@localhost/faafo');
  });

  it('#cloud-config runcmd', () => {
    const p = plan(
      parseUserData(
        `#cloud-config\npackages: [git]\nruncmd:\n  - apt-get update\n  - [sh, -c, "echo hi"]\n  - curl -L -s ${URL} | bash -s -- -i faafo -r worker -e http://10.0.0.4\n`,
      ),
    );
    expect(p.roles).toEqual(['faafo', 'worker']);
    expect(p.endpointUrl).toBe('http://10.0.0.4');
    expect(p.notes[0]).toMatch(/packages/);
  });
});

describe('parseUserData: what it does not run', () => {
  const reason = (text: string) => {
    const r = parseUserData(text);
    if (!isUnrecognised(r)) throw new Error(`recognised: ${JSON.stringify(r)}`);
    return r.unrecognised;
  };

  it('an unknown flag or a missing argument fails as the script would', () => {
    expect(reason('#!/bin/bash\ninstall.sh -i faafo -x 3\n')).toMatch(/illegal option -- x/);
    expect(reason(`#!/bin/bash\ncurl ${URL} | bash -s -- -i faafo -m\n`)).toMatch(
      /requires an argument -- m/,
    );
  });

  it('shell expansions, which would need a shell', () => {
    expect(reason('#!/bin/bash\nIP=10.0.0.3\ninstall.sh -i faafo -m "amqp://$IP:5672/"\n')).toMatch(/expand/);
    expect(reason('#!/bin/bash\ninstall.sh -i faafo -m amqp://`hostname`/\n')).toMatch(/expand/);
    // In single quotes a $ is just a character.
    expect(plan(parseUserData("#!/bin/bash\ninstall.sh -r api -m 'amqp://u:pa$$@h/'\n")).transportUrl).toBe(
      'amqp://u:pa$$@h/',
    );
  });

  it('garbage, other languages, no shebang, broken quoting, no installer, two installers', () => {
    expect(reason('\u0000\u0001garbage')).toMatch(/unhandled userdata/);
    expect(reason('')).toMatch(/unhandled userdata/);
    expect(reason('install.sh -i faafo\n')).toMatch(/#!/);
    expect(reason('#!/usr/bin/env python3\nprint("hi")\n')).toMatch(/python3 script/);
    expect(reason("#!/bin/bash\ninstall.sh -m 'amqp://\n")).toMatch(/not valid shell/);
    expect(reason('#!/bin/bash\necho hello\n')).toMatch(/does not run the faafo installer/);
    expect(reason('#!/bin/bash\ninstall.sh -i faafo\ninstall.sh -r api\n')).toMatch(/more than once/);
    expect(reason('#cloud-config\nruncmd: [\n')).toMatch(/not valid YAML/);
    expect(reason(`#!/bin/bash\ncurl ${URL} > /tmp/x.sh\n`)).toMatch(/does not run/);
  });
});
