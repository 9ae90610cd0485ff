/**
 * The security flags of `gradpool`: TLS files and tokens of the client commands and the worker, and the
 * coordinator's TLS, tokens file, plaintext health port and admission limits. Each flag has a GRADPOOL_*
 * environment fallback (flags win), so that Kubernetes can give them from Secrets. See docs/security.md.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CoordinatorConfig } from '../coordinator/main';
import { GradpoolError } from '../shared/errors';
import { checkToken, type ClientSecurity, type FileRef, type ServerTlsFiles } from '../transport/credentials';

type Env = Readonly<Record<string, string | undefined>>;

/** Client security flags as commander parsed them. */
export interface ClientSecurityFlags {
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsServerName?: string;
  readonly token?: string;
  readonly tokenFile?: string;
}

/** Coordinator security flags as commander parsed them. */
export interface ServerSecurityFlags {
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tokens?: string;
  readonly healthPort?: string;
  readonly maxSpecBytes?: string;
  readonly maxParams?: string;
  readonly maxJobsPerClient?: string;
}

/** The coordinator's security settings. */
export interface ServerSecurity {
  readonly tls?: ServerTlsFiles;
  readonly tokensFile?: FileRef;
  readonly healthPort?: number;
  readonly limits: NonNullable<CoordinatorConfig['limits']>;
}

/** Adds the client security flags to `cmd` (a command that dials the coordinator). */
export function addClientSecurityFlags(cmd: Command): Command {
  return cmd
    .option('--tls-ca <file>', 'PEM CA that verifies the coordinator: use TLS (default: GRADPOOL_TLS_CA)')
    .option('--tls-cert <file>', 'PEM client certificate, for mutual TLS (default: GRADPOOL_TLS_CERT)')
    .option('--tls-key <file>', 'PEM key of --tls-cert (default: GRADPOOL_TLS_KEY)')
    .option(
      '--tls-server-name <name>',
      "name the coordinator's certificate must carry, if not the address's host (default: GRADPOOL_TLS_SERVER_NAME)",
    )
    .option('--token <token>', 'bearer token (visible in ps: prefer --token-file or GRADPOOL_TOKEN)')
    .option('--token-file <file>', 'file holding the bearer token (default: GRADPOOL_TOKEN_FILE)');
}

/** Adds the coordinator's security flags to `cmd`. */
export function addServerSecurityFlags(cmd: Command): Command {
  return cmd
    .option('--tls-cert <file>', 'PEM certificate of the coordinator: serve TLS (default: GRADPOOL_TLS_CERT)')
    .option('--tls-key <file>', 'PEM key of --tls-cert (default: GRADPOOL_TLS_KEY)')
    .option(
      '--tls-ca <file>',
      'PEM CA of client certificates: require them, i.e. mutual TLS (default: GRADPOOL_TLS_CA)',
    )
    .option(
      '--tokens <file>',
      'tokens file (YAML/JSON): principals, roles, token SHA-256s; without it every caller may do everything (default: GRADPOOL_TOKENS_FILE)',
    )
    .option(
      '--health-port <port>',
      'also serve grpc.health.v1 in plaintext on this port of --host (for probes)',
    )
    .option('--max-spec-bytes <n>', 'largest job spec accepted, in bytes', '1048576')
    .option('--max-params <n>', 'most parameters of a job model accepted', '10000000')
    .option(
      '--max-jobs-per-client <n>',
      'most queued + running jobs per client (a search counts once)',
      '16',
    );
}

/** A file flag, else its environment variable, as a FileRef naming where it came from. */
function fileRef(flag: string | undefined, flagName: string, env: Env, envName: string): FileRef | undefined {
  if (flag !== undefined) return { path: flag, source: flagName };
  const v = env[envName];
  return v ? { path: v, source: envName } : undefined;
}

/** The client's security settings from its flags and the environment. */
export function clientSecurity(flags: ClientSecurityFlags, env: Env): ClientSecurity {
  const ca = fileRef(flags.tlsCa, '--tls-ca', env, 'GRADPOOL_TLS_CA');
  const cert = fileRef(flags.tlsCert, '--tls-cert', env, 'GRADPOOL_TLS_CERT');
  const key = fileRef(flags.tlsKey, '--tls-key', env, 'GRADPOOL_TLS_KEY');
  const serverName = flags.tlsServerName ?? (env.GRADPOOL_TLS_SERVER_NAME || undefined);
  const tls =
    ca || cert || key || serverName
      ? { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }), ...(serverName && { serverName }) }
      : undefined;
  return Object.freeze({ ...(tls && { tls }), ...tokenOf(flags, env) });
}

function tokenOf(flags: ClientSecurityFlags, env: Env): { token?: string } {
  if (flags.token !== undefined && flags.tokenFile !== undefined) {
    throw new GradpoolError('E_BAD_ARGS', 'give --token or --token-file, not both');
  }
  if (flags.token !== undefined) return { token: checkToken(flags.token, '--token') };
  const file = fileRef(flags.tokenFile, '--token-file', env, 'GRADPOOL_TOKEN_FILE');
  if (file) {
    let text: string;
    try {
      text = readFileSync(file.path, 'utf8');
    } catch (e) {
      throw new GradpoolError(
        'E_BAD_ARGS',
        `${file.source} ${file.path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      );
    }
    return { token: checkToken(text.trim(), `${file.source} ${file.path}`) };
  }
  if (env.GRADPOOL_TOKEN) return { token: checkToken(env.GRADPOOL_TOKEN.trim(), 'GRADPOOL_TOKEN') };
  return {};
}

/** The coordinator's security settings; `intFlag` checks the numeric flags. */
export function serverSecurity(
  flags: ServerSecurityFlags,
  env: Env,
  intFlag: (raw: string, flag: string, min: number, max: number) => number,
): ServerSecurity {
  const cert = fileRef(flags.tlsCert, '--tls-cert', env, 'GRADPOOL_TLS_CERT');
  const key = fileRef(flags.tlsKey, '--tls-key', env, 'GRADPOOL_TLS_KEY');
  const ca = fileRef(flags.tlsCa, '--tls-ca', env, 'GRADPOOL_TLS_CA');
  if ((cert === undefined) !== (key === undefined)) {
    throw new GradpoolError(
      'E_BAD_ARGS',
      'TLS needs both --tls-cert and --tls-key (or GRADPOOL_TLS_CERT and GRADPOOL_TLS_KEY)',
    );
  }
  if (ca && !cert) {
    throw new GradpoolError('E_BAD_ARGS', `${ca.source} (mutual TLS) needs --tls-cert and --tls-key as well`);
  }
  const tokensFile = fileRef(flags.tokens, '--tokens', env, 'GRADPOOL_TOKENS_FILE');
  return Object.freeze({
    ...(cert && key && { tls: { cert, key, ...(ca && { ca }) } }),
    ...(tokensFile && { tokensFile }),
    ...(flags.healthPort !== undefined && {
      healthPort: intFlag(flags.healthPort, '--health-port', 0, 65535),
    }),
    limits: {
      ...(flags.maxSpecBytes !== undefined && {
        maxSpecBytes: intFlag(flags.maxSpecBytes, '--max-spec-bytes', 1, 2 ** 31),
      }),
      ...(flags.maxParams !== undefined && {
        maxParams: intFlag(flags.maxParams, '--max-params', 1, 2 ** 31),
      }),
      ...(flags.maxJobsPerClient !== undefined && {
        maxJobsPerClient: intFlag(flags.maxJobsPerClient, '--max-jobs-per-client', 1, 1_000_000),
      }),
    },
  });
}
