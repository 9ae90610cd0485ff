/**
 * A throwaway PKI for TLS tests, made with the `openssl` command into a temporary directory: a CA, a
 * server certificate for 127.0.0.1 / localhost, client certificates with chosen common names, and a second
 * CA that the coordinator does not trust. Also a tokens file with the SHA-256 of generated tokens.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokenSha256 } from '../../src/transport/credentials';

/** A certificate and its key, as file paths. */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA that signs certificates in its own directory. */
export class Pki {
  readonly dir: string;
  readonly ca: string;
  private readonly caKey: string;
  private serial = 1;

  constructor(name = 'gradpool-test-ca', dir?: string) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'gp-pki-'));
    this.ca = join(this.dir, `${name}.crt`);
    this.caKey = join(this.dir, `${name}.key`);
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
        '-keyout',
        this.caKey,
        '-out',
        this.ca,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      this.dir,
    );
  }

  /** A leaf certificate signed by this CA: `server` adds SANs for 127.0.0.1 and localhost. */
  issue(commonName: string, kind: 'server' | 'client', extraSans: readonly string[] = []): CertFiles {
    const base = join(this.dir, `${commonName}-${this.serial}`);
    const key = `${base}.key`;
    const csr = `${base}.csr`;
    const cert = `${base}.crt`;
    const ext = `${base}.ext`;
    const sans = kind === 'server' ? ['IP:127.0.0.1', 'DNS:localhost', ...extraSans] : extraSans;
    writeFileSync(
      ext,
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        `extendedKeyUsage=${kind === 'server' ? 'serverAuth' : 'clientAuth'}`,
        ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
      ].join('\n') + '\n',
    );
    openssl(
      [
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-subj',
        `/CN=${commonName}`,
        '-keyout',
        key,
        '-out',
        csr,
      ],
      this.dir,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        this.ca,
        '-CAkey',
        this.caKey,
        '-set_serial',
        String(this.serial++),
        '-days',
        '2',
        '-extfile',
        ext,
        '-out',
        cert,
      ],
      this.dir,
    );
    return { cert, key };
  }

  /** Writes a tokens file for `principals` (name → roles, token) and returns its path. */
  tokensFile(
    principals: readonly { name: string; roles: string[]; token?: string; certCommonName?: string }[],
  ): string {
    const file = join(this.dir, `tokens-${this.serial++}.json`);
    const list = principals.map((p) => ({
      name: p.name,
      roles: p.roles,
      ...(p.token !== undefined && { sha256: tokenSha256(p.token) }),
      ...(p.certCommonName !== undefined && { certCommonName: p.certCommonName }),
    }));
    writeFileSync(file, JSON.stringify({ principals: list }, null, 2));
    return file;
  }

  /** Removes the directory. */
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
