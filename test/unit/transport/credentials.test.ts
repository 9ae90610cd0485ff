/**
 * credentials.ts: every bad TLS file fails before anything is opened, with E_BAD_ARGS naming the flag (or
 * variable) that pointed at it; good files give credentials. Certificates come from openssl (pki.ts).
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { GradpoolError } from '../../../src/shared/errors';
import {
  checkToken,
  clientChannel,
  serverCredentials,
  tokenSha256,
  type FileRef,
} from '../../../src/transport/credentials';
import { Pki, type CertFiles } from '../../helpers/pki';

const ref = (path: string, source: string): FileRef => ({ path, source });

function badArgs(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GradpoolError, String(e));
    assert.equal(e.code, 'E_BAD_ARGS');
    assert.match(e.message, pattern);
    return true;
  });
}

describe('TLS credentials', function () {
  this.timeout(30_000);
  let pki: Pki;
  let server: CertFiles;
  let other: CertFiles;

  before(() => {
    pki = new Pki();
    server = pki.issue('coordinator', 'server');
    other = pki.issue('someone-else', 'client');
  });
  after(() => pki.cleanup());

  it('builds TLS and mutual-TLS server credentials from good files', () => {
    const tls = serverCredentials({
      cert: ref(server.cert, '--tls-cert'),
      key: ref(server.key, '--tls-key'),
    });
    assert.equal(tls._isSecure(), true);
    const mtls = serverCredentials({
      cert: ref(server.cert, '--tls-cert'),
      key: ref(server.key, '--tls-key'),
      ca: ref(pki.ca, '--tls-ca'),
    });
    assert.equal(mtls._isSecure(), true);
    assert.equal(serverCredentials(undefined)._isSecure(), false);
  });

  it('names the flag of a missing file', () => {
    badArgs(
      () =>
        serverCredentials({
          cert: ref('/nonexistent/tls.crt', '--tls-cert'),
          key: ref(server.key, '--tls-key'),
        }),
      /^--tls-cert \/nonexistent\/tls\.crt: cannot read it \(no such file\)/,
    );
    badArgs(
      () => clientChannel({ tls: { ca: ref('/nonexistent/ca.crt', 'GRADPOOL_TLS_CA') } }),
      /^GRADPOOL_TLS_CA \/nonexistent\/ca\.crt: cannot read it/,
    );
  });

  it('refuses a key where a certificate belongs, and garbage where a key belongs', () => {
    badArgs(
      () => serverCredentials({ cert: ref(server.key, '--tls-cert'), key: ref(server.key, '--tls-key') }),
      /--tls-cert .*is not a PEM certificate/,
    );
    const junk = join(pki.dir, 'junk.key');
    writeFileSync(junk, '-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n');
    badArgs(
      () => serverCredentials({ cert: ref(server.cert, '--tls-cert'), key: ref(junk, '--tls-key') }),
      /--tls-key .*junk\.key: is not a valid unencrypted PEM private key/,
    );
  });

  it('refuses a key that does not belong to its certificate, naming both flags', () => {
    badArgs(
      () => serverCredentials({ cert: ref(server.cert, '--tls-cert'), key: ref(other.key, '--tls-key') }),
      /--tls-key .* is not the private key of --tls-cert /,
    );
    badArgs(
      () =>
        clientChannel({
          tls: {
            ca: ref(pki.ca, '--tls-ca'),
            cert: ref(other.cert, '--tls-cert'),
            key: ref(server.key, '--tls-key'),
          },
        }),
      /is not the private key of --tls-cert/,
    );
  });

  it('wants a client certificate and its key together', () => {
    badArgs(
      () => clientChannel({ tls: { cert: ref(other.cert, '--tls-cert') } }),
      /--tls-cert needs its pair/,
    );
  });

  it('gives a plaintext channel without TLS and a secure one with it', () => {
    assert.equal(clientChannel({}).credentials._isSecure(), false);
    const ch = clientChannel({ tls: { ca: ref(pki.ca, '--tls-ca') }, token: 'abcdefgh12' });
    assert.equal(ch.credentials._isSecure(), true);
    assert.equal(ch.options.interceptors?.length, 1, 'the token interceptor');
    assert.ok(ch.credentials instanceof grpc.ChannelCredentials);
  });

  it('checks tokens without echoing them, and hashes them as sha256sum does', () => {
    assert.equal(tokenSha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    badArgs(() => checkToken('has space in it', '--token'), /^--token: a token must be/);
    badArgs(() => checkToken('short', 'GRADPOOL_TOKEN'), /GRADPOOL_TOKEN/);
    try {
      checkToken('secret with space', '--token');
    } catch (e) {
      assert.ok(!(e as Error).message.includes('secret with space'));
    }
    assert.equal(checkToken('0123456789abcdef', '--token'), '0123456789abcdef');
  });
});
