// A cloud call that failed → one line a student can act on (src/cloud/errors.ts). The errors are
// shaped as pkgcloud hands them over: {statusCode, result: <the OpenStack error body>, href, method,
// headers}, or Node's network errors; the last test gets a real ECONNREFUSED through pkgcloud.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/cloud/connect.ts';
import { CloudError, cloudMessage, explain } from '../../src/cloud/errors.ts';

const PASSWORD = 'Sup3r-s3cret-pa55!';
const TOKEN = 'gAAAAABmTOKENtokenTOKEN';

/** An error as pkgcloud's _parseError builds it, carrying what must never be printed. */
function pkgcloudError(statusCode: number, result: unknown, failCode = 'Error') {
  return Object.assign(new Error(`openstack Error (${statusCode}): ${failCode}`), {
    provider: 'openstack',
    failCode,
    statusCode,
    result,
    href: `http://demo:${PASSWORD}@127.0.0.1:8774/v2.1/servers?password=${PASSWORD}`,
    method: 'POST',
    headers: { 'x-auth-token': TOKEN, authorization: `Basic ${PASSWORD}` },
    options: { username: 'demo', password: PASSWORD },
  });
}

/** What every explained error must be: one line, no secret, a sentence. */
function expectOneCleanLine(error: CloudError) {
  expect(error).toBeInstanceOf(CloudError);
  expect(error.name).toBe('CloudError');
  expect(error.message).not.toMatch(/\n/);
  expect(error.message).not.toContain(PASSWORD);
  expect(error.message).not.toContain(TOKEN);
  expect(error.message).not.toMatch(/\s{2,}/);
  expect(error.message).toMatch(/[.!?]$/);
}

const DOING = 'create the server app-api-1';
const CLOUD = 'the OS_* variables (OS_AUTH_URL=http://127.0.0.1:5000/v3)';

describe('explain: the cloud answered with an error', () => {
  it('401 from Keystone: the credentials, Keystone’s own words, and which variables to check', () => {
    const error = explain(
      pkgcloudError(401, {
        error: {
          code: 401,
          title: 'Unauthorized',
          message: 'The request you have made requires authentication.',
        },
      }),
      { doing: 'log in', cloud: CLOUD },
    );
    expectOneCleanLine(error);
    expect(error.status).toBe(401);
    expect(error.message).toContain(`The cloud refused the credentials of ${CLOUD}`);
    expect(error.message).toContain('(Keystone: The request you have made requires authentication)');
    expect(error.message).toContain('Check OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME');
  });

  it('401 without a body or a cloud label still says what to check', () => {
    const error = explain(pkgcloudError(401, undefined), { doing: 'log in' });
    expectOneCleanLine(error);
    expect(error.message).toBe(
      'The cloud refused the credentials: wrong user name, password or project. ' +
        'Check OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME, or the auth section of your clouds.yaml entry.',
    );
  });

  it('403 quota from Nova: what was being done, Nova’s exact sentence, and how to make room', () => {
    const said = 'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances';
    const error = explain(pkgcloudError(403, { forbidden: { message: said, code: 403 } }, 'Forbidden'), {
      doing: DOING,
      cloud: CLOUD,
    });
    expectOneCleanLine(error);
    expect(error.status).toBe(403);
    expect(error.message).toContain(`Could not ${DOING}: ${said}.`);
    expect(error.message).toContain('`faafo-tutor step 1`');
    expect(error.message).toContain('larger quota');
    // Not the generic "forbids it" line: this is a quota, not a permission.
    expect(error.message).not.toContain('forbids');
  });

  it('409 OverQuota from Neutron: the same quota advice, with Neutron’s message', () => {
    const said = "Quota exceeded for resources: ['security_group'].";
    const error = explain(
      pkgcloudError(409, { NeutronError: { type: 'OverQuota', message: said, detail: '' } }, 'Conflict'),
      { doing: 'create the security group services' },
    );
    expectOneCleanLine(error);
    expect(error.status).toBe(409);
    expect(error.message).toContain(`Could not create the security group services: ${said}`);
    expect(error.message).toContain('larger quota');
  });

  it('403 that is no quota: a permission, with the cloud’s reason', () => {
    const said = 'Policy doesn’t allow os_compute_api:servers:create to be performed.';
    const error = explain(pkgcloudError(403, { forbidden: { message: said, code: 403 } }), { doing: DOING });
    expectOneCleanLine(error);
    expect(error.status).toBe(403);
    expect(error.message).toContain(`Could not ${DOING}: the cloud forbids it (${said.slice(0, -1)})`);
    expect(error.message).toContain("ask your cloud's administrator");
  });

  it('404 itemNotFound: the status and Nova’s message', () => {
    const said = 'Instance 6b2f3a0e could not be found.';
    const error = explain(
      pkgcloudError(404, { itemNotFound: { message: said, code: 404 } }, 'Item not found'),
      {
        doing: 'read the server 6b2f3a0e',
      },
    );
    expectOneCleanLine(error);
    expect(error.status).toBe(404);
    expect(error.message).toBe(
      `Could not read the server 6b2f3a0e: the cloud answered 404: ${said} ` +
        'It may have been deleted meanwhile: list what there is (`openstack server list`) and run the step again.',
    );
  });

  it('a cloud message spread over lines is folded into the one line', () => {
    const error = explain(
      pkgcloudError(400, {
        badRequest: { message: 'Invalid input\n  for field user_data:\nnot base64', code: 400 },
      }),
      { doing: DOING },
    );
    expectOneCleanLine(error);
    expect(error.message).toBe(
      `Could not ${DOING}: the cloud answered 400: Invalid input for field user_data: not base64.`,
    );
  });

  it('a status with a body that has no message (an HTML page from a proxy) still gives the status', () => {
    const error = explain(pkgcloudError(502, { err: '<html><body>Bad Gateway</body></html>' }), {
      doing: 'list the servers',
    });
    expectOneCleanLine(error);
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/^Could not list the servers: the cloud answered 502/);
  });
});

describe('explain: nothing answered', () => {
  it('ECONNREFUSED as Node reports it (code on the error) says the address does not answer', () => {
    const error = explain(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), {
        code: 'ECONNREFUSED',
        errno: -111,
        syscall: 'connect',
        address: '127.0.0.1',
        port: 5000,
        options: { password: PASSWORD },
      }),
      { doing: 'log in to the local cloud' },
    );
    expectOneCleanLine(error);
    expect(error.status).toBeUndefined();
    expect(error.message).toContain(
      "Could not log in to the local cloud: nothing answers at the cloud's address",
    );
    expect(error.message).toContain('(ECONNREFUSED)');
    expect(error.message).toContain('`faafo-tutor cloud up`');
  });

  it('ECONNREFUSED only in the message, or only in the cause, is found too', () => {
    for (const raw of [
      new Error('request to http://127.0.0.1:5000/v3 failed, reason: connect ECONNREFUSED 127.0.0.1:5000'),
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
    ]) {
      const error = explain(raw, { doing: 'list the servers' });
      expectOneCleanLine(error);
      expect(error.message).toContain('(ECONNREFUSED)');
    }
  });

  it.each(['ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'])('%s too', (code) => {
    const error = explain(Object.assign(new Error(`getaddrinfo ${code} cloud.example`), { code }), {
      doing: 'log in',
    });
    expect(error.message).toContain(`(${code})`);
  });

  it('a network code that came with an HTTP status is the status’s line, not “nothing answers”', () => {
    const error = explain(Object.assign(pkgcloudError(503, undefined), { code: 'ECONNRESET' }), {
      doing: 'list the servers',
    });
    expect(error.message).not.toContain('nothing answers');
    expect(error.status).toBe(503);
  });
});

describe('explain: anything else', () => {
  it('an unknown error keeps only its first line', () => {
    const raw = new Error(
      'Unable to identify endpoint url\n    at Client._getUrl (pkgcloud/…/client.js:1:1)',
    );
    const error = explain(raw, { doing: DOING });
    expectOneCleanLine(error);
    expect(error.message).toBe(`Could not ${DOING}: Unable to identify endpoint url.`);
    expect(error.status).toBeUndefined();
  });

  it('a thrown string or nothing at all is still one sentence', () => {
    expect(explain('boom', { doing: DOING }).message).toBe(`Could not ${DOING}: boom.`);
    expectOneCleanLine(explain(undefined, { doing: DOING }));
    expectOneCleanLine(explain(null, { doing: DOING }));
  });

  it('a CloudError passes through unchanged', () => {
    const original = new CloudError('The server app-api-1 failed to boot: no host.', 500);
    expect(explain(original, { doing: DOING })).toBe(original);
  });
});

describe('cloudMessage', () => {
  it.each([
    ['Nova', { forbidden: { message: 'Quota exceeded', code: 403 } }, 'Quota exceeded'],
    ['Neutron', { NeutronError: { type: 'SecurityGroupInUse', message: 'in use', detail: '' } }, 'in use'],
    ['Keystone', { error: { code: 401, title: 'Unauthorized', message: 'auth needed' } }, 'auth needed'],
    ['a flat body', { message: 'flat' }, 'flat'],
    ['a JSON string', '{"itemNotFound":{"message":"gone","code":404}}', 'gone'],
    ['a plain-text string', '  Service Unavailable \n', 'Service Unavailable'],
  ])('%s', (_, body, said) => {
    expect(cloudMessage(body)).toBe(said);
  });

  it.each([
    ['nothing', undefined],
    ['an empty string', '   '],
    ['a number', 503],
    ['a body without a message', { itemNotFound: { code: 404 } }],
  ])('%s → undefined', (_, body) => {
    expect(cloudMessage(body)).toBeUndefined();
  });
});

describe('through pkgcloud, for real', () => {
  it('connect to an address where nothing listens → one line naming ECONNREFUSED, no password', async () => {
    // A port that was free a moment ago and is closed now.
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const error = await connect({
      env: {
        OS_AUTH_URL: `http://127.0.0.1:${port}/v3`,
        OS_USERNAME: 'demo',
        OS_PASSWORD: PASSWORD,
        OS_PROJECT_NAME: 'demo',
        OS_USER_DOMAIN_NAME: 'Default',
        OS_PROJECT_DOMAIN_NAME: 'Default',
        OS_REGION_NAME: 'RegionOne',
        OS_IDENTITY_API_VERSION: '3',
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CloudError);
    expectOneCleanLine(error as CloudError);
    expect((error as CloudError).message).toContain('(ECONNREFUSED)');
    expect((error as CloudError).message).toMatch(/^Could not log in to /);
  }, 20_000);
});
