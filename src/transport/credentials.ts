/**
 * TLS material and bearer tokens, turned into grpc-js credentials: the coordinator's server credentials
 * (TLS, or mutual TLS when a CA for client certificates is given) and every client's channel (workers and
 * the CLI: the CA that verifies the coordinator, an optional client certificate, an optional token).
 *
 * Every file is read and checked here, once, before a server binds or a client dials: an unreadable file,
 * PEM that does not parse, a key that does not belong to its certificate or an expired certificate fails
 * with E_BAD_ARGS naming the flag (or environment variable) that pointed at it. A TLS handshake error
 * would otherwise surface much later as a bare UNAVAILABLE.
 */
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { GradpoolError } from '../shared/errors';
import { clientOptions } from './channel-options';

/** A file given on the command line or in the environment. */
export interface FileRef {
  readonly path: string;
  /** Where the path came from, for error messages: `--tls-cert`, `GRADPOOL_TLS_CERT` … */
  readonly source: string;
}

/** The coordinator's TLS files. */
export interface ServerTlsFiles {
  /** PEM certificate chain of the server (`--tls-cert`). */
  readonly cert: FileRef;
  /** PEM private key of that certificate (`--tls-key`). */
  readonly key: FileRef;
  /** PEM CA bundle that client certificates must chain to; given = mutual TLS (`--tls-ca`). */
  readonly ca?: FileRef;
}

/** A client's TLS files (worker or CLI). */
export interface ClientTlsFiles {
  /** PEM CA bundle that verifies the coordinator's certificate (default: the system's roots). */
  readonly ca?: FileRef;
  /** PEM client certificate and key, for a coordinator that requires mutual TLS; both or neither. */
  readonly cert?: FileRef;
  readonly key?: FileRef;
  /** Name to verify the server's certificate against instead of the address's host. */
  readonly serverName?: string;
}

/** How a client authenticates: TLS (none = plaintext) and a bearer token (none = no token). */
export interface ClientSecurity {
  readonly tls?: ClientTlsFiles;
  readonly token?: string;
}

/** What a grpc-js client is constructed with. */
export interface ClientChannel {
  readonly credentials: grpc.ChannelCredentials;
  readonly options: grpc.ClientOptions;
}

/** Metadata key of the bearer token (`authorization: Bearer <token>`). */
export const AUTHORIZATION_KEY = 'authorization';

/** Hex SHA-256 of a token: what a tokens file stores instead of the token itself. */
export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function badFile(ref: FileRef, what: string): GradpoolError {
  return new GradpoolError('E_BAD_ARGS', `${ref.source} ${ref.path}: ${what}`);
}

/** The bytes of a file, or E_BAD_ARGS naming its flag. */
export function readRef(ref: FileRef): Buffer {
  try {
    return readFileSync(ref.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(e);
    throw badFile(ref, `cannot read it (${why})`);
  }
}

/** Parses the first PEM certificate of `pem`; a certificate outside its validity period is refused. */
function certificate(ref: FileRef, pem: Buffer, now = Date.now()): X509Certificate {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw badFile(ref, 'is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" line)');
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (e) {
    throw badFile(ref, `is not a valid PEM certificate (${(e as Error).message})`);
  }
  if (Date.parse(cert.validTo) < now) throw badFile(ref, `certificate expired on ${cert.validTo}`);
  if (Date.parse(cert.validFrom) > now)
    throw badFile(ref, `certificate is not valid before ${cert.validFrom}`);
  return cert;
}

function privateKey(ref: FileRef, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (e) {
    // Node's message names neither the file nor the key's content: safe to pass on.
    throw badFile(ref, `is not a valid unencrypted PEM private key (${(e as Error).message})`);
  }
}

/** Reads a certificate and its key and checks that they belong together. */
function keyPair(cert: FileRef, key: FileRef): { cert: Buffer; key: Buffer } {
  const certPem = readRef(cert);
  const keyPem = readRef(key);
  const x509 = certificate(cert, certPem);
  if (!x509.checkPrivateKey(privateKey(key, keyPem))) {
    throw new GradpoolError(
      'E_BAD_ARGS',
      `${key.source} ${key.path} is not the private key of ${cert.source} ${cert.path}; give the key the certificate was issued for`,
    );
  }
  return { cert: certPem, key: keyPem };
}

function caBundle(ref: FileRef): Buffer {
  const pem = readRef(ref);
  certificate(ref, pem);
  return pem;
}

/** Server credentials: plaintext without `tls`, TLS with it, mutual TLS when `tls.ca` is given. */
export function serverCredentials(tls: ServerTlsFiles | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const pair = keyPair(tls.cert, tls.key);
  const ca = tls.ca ? caBundle(tls.ca) : null;
  return grpc.ServerCredentials.createSsl(
    ca,
    [{ cert_chain: pair.cert, private_key: pair.key }],
    ca !== null,
  );
}

/**
 * The credentials and options of a client channel: TLS when `security.tls` is given, and the token (if
 * any) on every call's metadata. The token travels in an interceptor rather than as call credentials so
 * that it also works on a plaintext channel (a development setup, or a mesh that does TLS for us).
 */
export function clientChannel(security: ClientSecurity = {}): ClientChannel {
  const { tls, token } = security;
  let credentials = grpc.credentials.createInsecure();
  const options: grpc.ClientOptions = { ...clientOptions };
  if (tls) {
    if ((tls.cert === undefined) !== (tls.key === undefined)) {
      const given = (tls.cert ?? tls.key)!;
      throw new GradpoolError(
        'E_BAD_ARGS',
        `${given.source} needs its pair: give both the client certificate and its key (--tls-cert and --tls-key)`,
      );
    }
    const ca = tls.ca ? caBundle(tls.ca) : null;
    const pair = tls.cert && tls.key ? keyPair(tls.cert, tls.key) : null;
    credentials = grpc.credentials.createSsl(ca, pair?.key ?? null, pair?.cert ?? null);
    if (tls.serverName) options['grpc.ssl_target_name_override'] = tls.serverName;
  }
  if (token !== undefined) options.interceptors = [bearerInterceptor(token)];
  return { credentials, options };
}

/** An interceptor adding `authorization: Bearer <token>` to every call. */
function bearerInterceptor(token: string): grpc.Interceptor {
  return (callOptions, nextCall) =>
    new grpc.InterceptingCall(nextCall(callOptions), {
      start(metadata, listener, next) {
        metadata.set(AUTHORIZATION_KEY, `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/** Checks a token read from a flag, a file or the environment (printable ASCII, no spaces). */
export function checkToken(token: string, source: string): string {
  if (!/^[\x21-\x7e]{8,4096}$/.test(token)) {
    // Never echo the value: it may be a real secret with a typo.
    throw new GradpoolError(
      'E_BAD_ARGS',
      `${source}: a token must be 8 to 4096 printable ASCII characters without spaces (e.g. openssl rand -hex 32)`,
    );
  }
  return token;
}
