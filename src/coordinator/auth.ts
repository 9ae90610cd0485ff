/**
 * Who may call what on the coordinator. A tokens file (`--tokens FILE`, YAML or JSON) names principals,
 * each with roles and a way to recognise it: the SHA-256 of its bearer token (the file never holds a
 * token itself), and/or the common name of its client certificate under mutual TLS. A call is
 * authenticated by its `authorization: Bearer` token when it carries one, else by its client certificate;
 * then the rpc's role is required (RPC_ROLES). Workers are principals with the `worker` role, which the
 * file may not combine with client roles, so a worker credential cannot submit and a client credential
 * cannot join the worker plane.
 *
 * Without a tokens file every caller is an anonymous principal with every role (gradpool's open mode for a
 * single machine); its name, `anonymous@<peer address>`, still keys the per-client limits.
 */
import { readFileSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import { parse as parseYaml } from 'yaml';
import { GradpoolError } from '../shared/errors';
import { AUTHORIZATION_KEY, tokenSha256, type FileRef } from '../transport/credentials';
import { toServiceError } from '../transport/status';

/** What a principal may do. `admin` includes `read` and `submit`; `worker` is only the worker plane. */
export type Role = 'read' | 'submit' | 'admin' | 'worker';
/** Every role. */
export const ROLES: readonly Role[] = ['read', 'submit', 'admin', 'worker'];

/** The role each rpc requires (by method name); a method missing here requires `admin`. */
export const RPC_ROLES: Readonly<Record<string, Role>> = Object.freeze({
  GetJob: 'read',
  ListJobs: 'read',
  WatchJob: 'read',
  GetJobHistory: 'read',
  ExportModel: 'read',
  SubmitJob: 'submit',
  UploadDataset: 'submit',
  ListDatasets: 'read',
  // Cancel and Evaluate act on one job: its owner needs `submit`, anyone else `admin` (requireOwnerOrAdmin).
  CancelJob: 'submit',
  Evaluate: 'submit',
  Connect: 'worker',
  FetchDataset: 'worker',
});

/** An authenticated caller. */
export interface Principal {
  /** Its name in the tokens file (recorded as a job's owner, and the key of per-client limits). */
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
}

/** The parts of a server call that authentication reads (every grpc-js server call has them). */
export interface CallCredentials {
  readonly metadata: grpc.Metadata;
  getPeer(): string;
  getAuthContext?(): { sslPeerCertificate?: { subject?: Record<string, unknown> } } | null;
}

interface Entry extends Principal {
  readonly sha256?: string;
  readonly certCommonName?: string;
}

const ENTRY_KEYS = ['name', 'roles', 'sha256', 'certCommonName'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Decides who a call comes from and whether it may make its rpc. */
export class Auth {
  /** The principal of each call that guard() let through. */
  private readonly principals = new WeakMap<object, Principal>();

  private constructor(
    private readonly byHash: ReadonlyMap<string, Entry> | null,
    private readonly byCommonName: ReadonlyMap<string, Entry>,
  ) {}

  /** No tokens file: every caller may do everything. */
  static open(): Auth {
    return new Auth(null, new Map());
  }

  /** Reads and checks a tokens file; errors name the file and the entry. */
  static fromFile(ref: FileRef): Auth {
    let text: string;
    try {
      text = readFileSync(ref.path, 'utf8');
    } catch (e) {
      throw new GradpoolError(
        'E_BAD_ARGS',
        `${ref.source} ${ref.path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      );
    }
    return Auth.fromText(text, `${ref.source} ${ref.path}`);
  }

  /** Parses tokens-file text; `where` names it in errors. */
  static fromText(text: string, where: string): Auth {
    const bad = (msg: string) => new GradpoolError('E_BAD_ARGS', `${where}: ${msg} (see docs/security.md)`);
    let raw: unknown;
    try {
      raw = parseYaml(text);
    } catch (e) {
      throw bad(`not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    const list = (raw as { principals?: unknown } | null)?.principals;
    if (!Array.isArray(list) || list.length === 0) throw bad('needs a non-empty "principals" list');
    const byHash = new Map<string, Entry>();
    const byCommonName = new Map<string, Entry>();
    const names = new Set<string>();
    list.forEach((item: unknown, i) => {
      const at = `principals[${i}]`;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw bad(`${at} must be a map`);
      const e = item as Record<string, unknown>;
      if ('token' in e) {
        throw bad(
          `${at}.token: store the token's SHA-256 as sha256 instead (printf %s "$TOKEN" | sha256sum)`,
        );
      }
      for (const k of Object.keys(e)) {
        if (!ENTRY_KEYS.includes(k)) throw bad(`${at}.${k} is not a field; use ${ENTRY_KEYS.join(', ')}`);
      }
      if (typeof e.name !== 'string' || !NAME.test(e.name)) {
        throw bad(`${at}.name must be 1-64 letters, digits, '.', '_', '@' or '-'`);
      }
      if (names.has(e.name)) throw bad(`${at}.name "${e.name}" is used twice`);
      names.add(e.name);
      const roles = parseRoles(e.roles, `${at}.roles`, bad);
      const entry: Entry = { name: e.name, roles };
      if (e.sha256 !== undefined) {
        if (typeof e.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(e.sha256)) {
          throw bad(`${at}.sha256 must be 64 hex digits (the SHA-256 of the token)`);
        }
        const h = e.sha256.toLowerCase();
        if (byHash.has(h)) throw bad(`${at}.sha256 is the same token as "${byHash.get(h)!.name}"`);
        byHash.set(h, entry);
      }
      if (e.certCommonName !== undefined) {
        if (typeof e.certCommonName !== 'string' || e.certCommonName === '') {
          throw bad(`${at}.certCommonName must be a non-empty string`);
        }
        if (byCommonName.has(e.certCommonName)) throw bad(`${at}.certCommonName is used twice`);
        byCommonName.set(e.certCommonName, entry);
      }
      if (e.sha256 === undefined && e.certCommonName === undefined) {
        throw bad(`${at} needs sha256 (a token) or certCommonName (a client certificate)`);
      }
    });
    return new Auth(byHash, byCommonName);
  }

  /** False in open mode (no tokens file). */
  get enabled(): boolean {
    return this.byHash !== null;
  }

  /** Principals by kind, for the startup log line (counts only: the file's contents stay out of logs). */
  get summary(): { tokens: number; certificates: number } {
    return { tokens: this.byHash?.size ?? 0, certificates: this.byCommonName.size };
  }

  /**
   * The caller of `rpc`, once it is authenticated and holds the rpc's role. Throws E_UNAUTHENTICATED
   * (no or unknown credentials) or E_PERMISSION_DENIED (a principal without the role).
   */
  authorize(call: CallCredentials, rpc: string): Principal {
    const who = this.authenticate(call);
    const role = RPC_ROLES[rpc] ?? 'admin';
    if (!hasRole(who, role)) {
      throw new GradpoolError(
        'E_PERMISSION_DENIED',
        `${who.name} may not call ${rpc}: it needs the ${role} role (it has ${[...who.roles].join(', ')})`,
      );
    }
    return who;
  }

  /**
   * `handlers` with every method of `definition` guarded: the call is authorized (RPC_ROLES, by method
   * name) before its handler runs, and refused with UNAUTHENTICATED / PERMISSION_DENIED otherwise. Every
   * method is wrapped, so an rpc added later is guarded too (as admin-only until RPC_ROLES names it).
   */
  guard<H extends object>(
    definition: grpc.ServiceDefinition,
    handlers: H,
    onRefused: (rpc: string, peer: string, reason: string) => void = () => {},
  ): H {
    const out: Record<string, unknown> = { ...(handlers as Record<string, unknown>) };
    for (const [name, method] of Object.entries(definition)) {
      const handler = (handlers as Record<string, unknown>)[name];
      if (typeof handler !== 'function') continue;
      const fn = handler as (call: CallCredentials, callback?: grpc.sendUnaryData<unknown>) => void;
      out[name] = (
        call: CallCredentials & { emit(e: 'error', err: unknown): boolean },
        callback?: grpc.sendUnaryData<unknown>,
      ) => {
        try {
          this.principals.set(call, this.authorize(call, name));
        } catch (e) {
          onRefused(name, call.getPeer(), (e as Error).message);
          // A unary or client-streaming call answers through its callback; a server stream with 'error'.
          if (!method.responseStream && callback) callback(toServiceError(e));
          else call.emit('error', toServiceError(e));
          return;
        }
        fn(call, callback);
      };
    }
    return out as H;
  }

  /** The principal guard() authorized for `call`; E_UNAUTHENTICATED for a call it never saw. */
  principalOf(call: object): Principal {
    const who = this.principals.get(call);
    if (!who) throw unauthenticated('the call was not authorized (an unguarded handler)');
    return who;
  }

  /** Throws E_PERMISSION_DENIED unless `who` owns the job or is an admin. */
  requireOwnerOrAdmin(
    who: Principal,
    job: { readonly id: string; readonly owner?: string },
    rpc: string,
  ): void {
    if (job.owner === who.name || hasRole(who, 'admin')) return;
    throw new GradpoolError(
      'E_PERMISSION_DENIED',
      `${who.name} may not call ${rpc} on job ${job.id}: it belongs to ${job.owner || 'nobody'}, and only its owner or an admin may`,
    );
  }

  private authenticate(call: CallCredentials): Principal {
    if (this.byHash === null) return { name: `anonymous@${peerHost(call.getPeer())}`, roles: new Set(ROLES) };
    const header = call.metadata.get(AUTHORIZATION_KEY)[0];
    if (header !== undefined) {
      const m = /^Bearer (\S+)$/.exec(String(header));
      if (!m) throw unauthenticated('the authorization header must be "Bearer <token>"');
      const entry = this.byHash.get(tokenSha256(m[1]));
      if (!entry) throw unauthenticated('unknown token');
      return entry;
    }
    const cn = call.getAuthContext?.()?.sslPeerCertificate?.subject?.CN;
    if (typeof cn === 'string') {
      const entry = this.byCommonName.get(cn);
      if (entry) return entry;
      throw unauthenticated(`no principal has the client certificate's common name "${cn}"`);
    }
    throw unauthenticated('no token; give --token, --token-file or GRADPOOL_TOKEN');
  }
}

function unauthenticated(why: string): GradpoolError {
  return new GradpoolError('E_UNAUTHENTICATED', `not authenticated: ${why}`);
}

function hasRole(who: Principal, role: Role): boolean {
  return who.roles.has(role) || (who.roles.has('admin') && (role === 'read' || role === 'submit'));
}

function parseRoles(raw: unknown, at: string, bad: (m: string) => GradpoolError): ReadonlySet<Role> {
  if (!Array.isArray(raw) || raw.length === 0)
    throw bad(`${at} must be a non-empty list of ${ROLES.join(', ')}`);
  for (const r of raw) {
    if (!ROLES.includes(r as Role)) throw bad(`${at}: unknown role "${String(r)}"; use ${ROLES.join(', ')}`);
  }
  const roles = new Set(raw as Role[]);
  if (roles.has('worker') && roles.size > 1) {
    throw bad(`${at}: worker cannot be combined with client roles; give workers a principal of their own`);
  }
  return roles;
}

/** The host part of a grpc-js peer string (`127.0.0.1:5555`, `[::1]:5555`, `ipv4:…`). */
function peerHost(peer: string): string {
  return peer.replace(/^ipv[46]:/, '').replace(/:\d+$/, '');
}
