/**
 * auth.ts: the tokens file's rules (each with its message), and who may call which rpc. Calls are real
 * grpc.Metadata objects with a peer, as a grpc-js server call presents them.
 */
import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import { Auth, RPC_ROLES, type CallCredentials } from '../../../src/coordinator/auth';
import { GradpoolError } from '../../../src/shared/errors';
import { tokenSha256 } from '../../../src/transport/credentials';

const FILE = `
principals:
  - name: alice
    roles: [submit, read]
    sha256: ${tokenSha256('alice-token-1')}
  - name: ops
    roles: [admin]
    sha256: ${tokenSha256('ops-token-123')}
  - name: pool
    roles: [worker]
    sha256: ${tokenSha256('pool-token-12').toUpperCase()}
    certCommonName: gradpool-worker
`;

function call(token?: string, commonName?: string, raw?: string): CallCredentials {
  const metadata = new grpc.Metadata();
  if (raw !== undefined) metadata.set('authorization', raw);
  else if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return {
    metadata,
    getPeer: () => '10.1.2.3:4567',
    getAuthContext: () => (commonName ? { sslPeerCertificate: { subject: { CN: commonName } } } : {}),
  };
}

function refused(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GradpoolError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('auth: tokens file and roles', () => {
  const auth = Auth.fromText(FILE, 'tokens.yaml');

  it('maps every rpc of the client API and the worker plane to a role', () => {
    for (const rpc of [
      'SubmitJob',
      'GetJob',
      'ListJobs',
      'CancelJob',
      'WatchJob',
      'ExportModel',
      'GetJobHistory',
      'Evaluate',
      'Connect',
    ])
      assert.ok(RPC_ROLES[rpc], rpc);
    assert.equal(RPC_ROLES.Connect, 'worker');
  });

  it('authenticates by token, else by certificate common name; the token hash may be upper case', () => {
    assert.equal(auth.authorize(call('alice-token-1'), 'SubmitJob').name, 'alice');
    assert.equal(auth.authorize(call('pool-token-12'), 'Connect').name, 'pool');
    assert.equal(auth.authorize(call(undefined, 'gradpool-worker'), 'Connect').name, 'pool');
    // A token wins over the certificate; a wrong token does not fall back to it.
    refused(
      () => auth.authorize(call('wrong-token-9', 'gradpool-worker'), 'Connect'),
      'E_UNAUTHENTICATED',
      /unknown token/,
    );
  });

  it('answers UNAUTHENTICATED without credentials, with a malformed header, or an unknown common name', () => {
    refused(() => auth.authorize(call(), 'ListJobs'), 'E_UNAUTHENTICATED', /no token; give --token/);
    refused(
      () => auth.authorize(call(undefined, undefined, 'Basic abc'), 'ListJobs'),
      'E_UNAUTHENTICATED',
      /Bearer <token>/,
    );
    refused(() => auth.authorize(call(undefined, 'mallory'), 'ListJobs'), 'E_UNAUTHENTICATED', /"mallory"/);
  });

  it('answers PERMISSION_DENIED for a missing role; admin includes read and submit but not worker', () => {
    refused(
      () => auth.authorize(call('pool-token-12'), 'SubmitJob'),
      'E_PERMISSION_DENIED',
      /pool may not call SubmitJob: it needs the submit role \(it has worker\)/,
    );
    refused(
      () => auth.authorize(call('alice-token-1'), 'Connect'),
      'E_PERMISSION_DENIED',
      /needs the worker role/,
    );
    refused(
      () => auth.authorize(call('ops-token-123'), 'Connect'),
      'E_PERMISSION_DENIED',
      /needs the worker role/,
    );
    assert.equal(auth.authorize(call('ops-token-123'), 'ListJobs').name, 'ops');
    assert.equal(auth.authorize(call('ops-token-123'), 'SubmitJob').name, 'ops');
    // An rpc the table does not know needs admin.
    refused(
      () => auth.authorize(call('alice-token-1'), 'SomeFutureRpc'),
      'E_PERMISSION_DENIED',
      /needs the admin role/,
    );
  });

  it('lets the owner or an admin act on a job, nobody else', () => {
    const alice = auth.authorize(call('alice-token-1'), 'CancelJob');
    const ops = auth.authorize(call('ops-token-123'), 'CancelJob');
    auth.requireOwnerOrAdmin(alice, { id: 'j-1', owner: 'alice' }, 'CancelJob');
    auth.requireOwnerOrAdmin(ops, { id: 'j-1', owner: 'alice' }, 'CancelJob');
    refused(
      () => auth.requireOwnerOrAdmin(alice, { id: 'j-2', owner: 'bob' }, 'CancelJob'),
      'E_PERMISSION_DENIED',
      /j-2: it belongs to bob/,
    );
    refused(
      () => auth.requireOwnerOrAdmin(alice, { id: 'j-3' }, 'Evaluate'),
      'E_PERMISSION_DENIED',
      /belongs to nobody/,
    );
  });

  it('is open without a tokens file: an anonymous principal per peer address with every role', () => {
    const open = Auth.open();
    assert.equal(open.enabled, false);
    const who = open.authorize(call(), 'Connect');
    assert.equal(who.name, 'anonymous@10.1.2.3');
    open.requireOwnerOrAdmin(who, { id: 'j-1', owner: 'someone' }, 'CancelJob');
  });

  const cases: [string, string, RegExp][] = [
    ['not: [yaml', 'broken YAML', /not valid YAML or JSON/],
    ['{}', 'no principals', /needs a non-empty "principals" list/],
    [
      'principals: [{name: a, roles: [read], token: abcdefgh}]',
      'a plaintext token',
      /principals\[0\]\.token: store the token's SHA-256/,
    ],
    ['principals: [{name: a, roles: [read]}]', 'no credential', /needs sha256 \(a token\) or certCommonName/],
    ['principals: [{name: a, roles: [read], sha256: abc}]', 'a short hash', /sha256 must be 64 hex digits/],
    ['principals: [{name: a, roles: [root], certCommonName: a}]', 'an unknown role', /unknown role "root"/],
    ['principals: [{name: a, roles: [], certCommonName: a}]', 'no roles', /must be a non-empty list/],
    [
      'principals: [{name: a, roles: [worker, submit], certCommonName: a}]',
      'worker mixed with client roles',
      /worker cannot be combined/,
    ],
    [
      'principals: [{name: a, roles: [read], certCommonName: a}, {name: a, roles: [read], certCommonName: b}]',
      'a name twice',
      /"a" is used twice/,
    ],
    [
      `principals: [{name: a, roles: [read], sha256: ${'a'.repeat(64)}}, {name: b, roles: [read], sha256: ${'A'.repeat(64)}}]`,
      'a token twice',
      /same token as "a"/,
    ],
    ['principals: [{name: "a b", roles: [read], certCommonName: a}]', 'a bad name', /name must be/],
    [
      'principals: [{name: a, roles: [read], certCommonName: a, extra: 1}]',
      'an unknown field',
      /extra is not a field/,
    ],
  ];
  for (const [text, what, pattern] of cases) {
    it(`refuses a tokens file with ${what}, naming the file`, () => {
      refused(
        () => Auth.fromText(text, '--tokens t.yaml'),
        'E_BAD_ARGS',
        new RegExp(`^--tokens t\\.yaml: .*${pattern.source}`),
      );
    });
  }

  it('guards every method of a service, a new one included, and hands handlers the principal', () => {
    const definition = {
      ListJobs: { responseStream: false },
      WatchJob: { responseStream: true },
      NewRpc: { responseStream: false },
    } as unknown as grpc.ServiceDefinition;
    const seen: string[] = [];
    const refusals: string[] = [];
    const handlers = auth.guard(
      definition,
      {
        ListJobs: (c: CallCredentials, cb: grpc.sendUnaryData<string>) => cb(null, auth.principalOf(c).name),
        WatchJob: (c: CallCredentials) => seen.push(auth.principalOf(c).name),
        NewRpc: (_c: CallCredentials, cb: grpc.sendUnaryData<string>) => cb(null, 'ran'),
      },
      (rpc, peer, reason) => refusals.push(`${rpc} ${peer} ${reason}`),
    );
    const answers: [{ code?: number } | null, unknown][] = [];
    const cb = (e: { code?: number } | null, v?: unknown): void => void answers.push([e, v]);
    handlers.ListJobs(call('alice-token-1'), cb);
    handlers.ListJobs(call(), cb);
    handlers.NewRpc(call('alice-token-1'), cb);
    handlers.NewRpc(call('ops-token-123'), cb);
    assert.deepEqual(answers[0], [null, 'alice']);
    assert.equal(answers[1][0]?.code, grpc.status.UNAUTHENTICATED);
    assert.equal(
      answers[2][0]?.code,
      grpc.status.PERMISSION_DENIED,
      'an rpc RPC_ROLES does not list needs admin',
    );
    assert.deepEqual(answers[3], [null, 'ran']);
    const errors: grpc.ServiceError[] = [];
    const stream = Object.assign(call('pool-token-12'), {
      emit: (_: 'error', e: grpc.ServiceError) => !!errors.push(e),
    });
    handlers.WatchJob(stream);
    assert.equal(errors[0]?.code, grpc.status.PERMISSION_DENIED, 'a worker token watches a job');
    handlers.WatchJob(Object.assign(call('alice-token-1'), { emit: () => true }));
    assert.deepEqual(seen, ['alice']);
    assert.equal(refusals.length, 3);
    assert.ok(
      refusals.every((r) => r.includes('10.1.2.3:4567') && !r.includes('token-1')),
      refusals.join('\n'),
    );
    assert.throws(() => auth.principalOf({}), /not authorized/);
  });

  it('names the flag of an unreadable tokens file', () => {
    refused(
      () => Auth.fromFile({ path: '/nonexistent/tokens.yaml', source: 'GRADPOOL_TOKENS_FILE' }),
      'E_BAD_ARGS',
      /^GRADPOOL_TOKENS_FILE \/nonexistent\/tokens\.yaml: cannot read it \(ENOENT\)/,
    );
  });
});
