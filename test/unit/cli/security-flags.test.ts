/** security-flags.ts: flags over environment variables, and each bad combination with its message. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientSecurity, serverSecurity } from '../../../src/cli/security-flags';
import { GradpoolError } from '../../../src/shared/errors';

const intFlag = (raw: string, flag: string, min: number, max: number): number => {
  const v = Number(raw);
  if (!(Number.isInteger(v) && v >= min && v <= max)) throw new GradpoolError('E_BAD_ARGS', `${flag} bad`);
  return v;
};

function badArgs(fn: () => unknown, pattern: RegExp): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof GradpoolError && e.code === 'E_BAD_ARGS' && pattern.test(e.message),
  );
}

describe('security flags', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gp-flags-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes client TLS files and the token from flags first, then GRADPOOL_* variables', () => {
    const env = { GRADPOOL_TLS_CA: '/env/ca.crt', GRADPOOL_TOKEN: 'env-token-123' };
    assert.deepEqual(clientSecurity({}, env), {
      tls: { ca: { path: '/env/ca.crt', source: 'GRADPOOL_TLS_CA' } },
      token: 'env-token-123',
    });
    const file = join(dir, 't');
    writeFileSync(file, 'file-token-456\n');
    assert.deepEqual(clientSecurity({ tlsCa: '/flag/ca.crt', tokenFile: file }, env), {
      tls: { ca: { path: '/flag/ca.crt', source: '--tls-ca' } },
      token: 'file-token-456',
    });
    assert.deepEqual(clientSecurity({}, {}), {}, 'plaintext, no token');
  });

  it('refuses --token with --token-file, an unreadable token file, and a token with spaces', () => {
    badArgs(
      () => clientSecurity({ token: 'abcdefgh1', tokenFile: '/x' }, {}),
      /--token or --token-file, not both/,
    );
    badArgs(
      () => clientSecurity({ tokenFile: join(dir, 'missing') }, {}),
      /--token-file .*missing: cannot read it \(ENOENT\)/,
    );
    badArgs(() => clientSecurity({}, { GRADPOOL_TOKEN: 'has a space' }), /^GRADPOOL_TOKEN: a token must be/);
  });

  it('wants the coordinator certificate with its key, and mutual TLS only with both', () => {
    badArgs(() => serverSecurity({ tlsCert: 'c' }, {}, intFlag), /TLS needs both --tls-cert and --tls-key/);
    badArgs(
      () => serverSecurity({ tlsCa: 'ca' }, {}, intFlag),
      /--tls-ca \(mutual TLS\) needs --tls-cert and --tls-key/,
    );
    const s = serverSecurity(
      {
        tlsCert: 'c',
        tlsKey: 'k',
        tokens: 't.yaml',
        healthPort: '8081',
        maxParams: '500',
        maxJobsPerClient: '3',
      },
      { GRADPOOL_TLS_CA: 'ca.crt' },
      intFlag,
    );
    assert.deepEqual(s, {
      tls: {
        cert: { path: 'c', source: '--tls-cert' },
        key: { path: 'k', source: '--tls-key' },
        ca: { path: 'ca.crt', source: 'GRADPOOL_TLS_CA' },
      },
      tokensFile: { path: 't.yaml', source: '--tokens' },
      healthPort: 8081,
      limits: { maxParams: 500, maxJobsPerClient: 3 },
    });
    badArgs(() => serverSecurity({ maxJobsPerClient: '0' }, {}, intFlag), /--max-jobs-per-client/);
  });
});
