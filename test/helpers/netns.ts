/**
 * Separate "hosts" on one Linux machine for the fault suite: each host is a network namespace joined to
 * the root namespace by a veth pair on its own /24 (root side .1, host side .2). Processes run inside with
 * `ip netns exec` (see Cluster.startWorker's netns option). A partition drops every packet on a host's
 * veth with nftables (a named set of interface names matched on input and output), and healing removes
 * it. Needs root, iproute2 and nft. Everything created carries this process's pid in its name, so
 * cleanup() removes exactly that (call it in afterEach/after), and sweepStale() removes what a killed
 * earlier run left behind.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Runs a command; resolves with stdout, rejects with its stderr. */
export function sh(cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Why the suite cannot run here, or null when it can (root, ip, nft). */
export async function netnsUnavailable(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const tool of ['/usr/sbin/ip', '/usr/sbin/nft']) {
    if (!existsSync(tool) && !existsSync(tool.replace('/usr/sbin', '/sbin'))) {
      return `${tool.split('/').pop()} is not installed (apt-get install -y iproute2 nftables)`;
    }
  }
  try {
    await sh('nft', ['list', 'tables']);
  } catch (e) {
    return `nft does not work here: ${(e as Error).message}`;
  }
  return null;
}

/** One simulated host. */
export interface Host {
  readonly name: string;
  /** Its network namespace (for `ip netns exec`). */
  readonly netns: string;
  /** The root-namespace end of its veth (what the partition drops on). */
  readonly veth: string;
  /** The root side's address: where processes on this host reach the coordinator. */
  readonly gatewayIp: string;
  /** The host's own address. */
  readonly ip: string;
}

const PREFIX = 'gpf';

/** Namespaces, veths and an nftables table of one test process. */
export class NetLab {
  readonly tag = `${PREFIX}${process.pid}`;
  private readonly table = `${PREFIX}${process.pid}`;
  private readonly hosts: Host[] = [];
  private readonly subnet: number;
  private tableReady = false;

  constructor() {
    // 10.X.i.0/24 with X from the pid, so that two suites running at once do not share subnets.
    this.subnet = 100 + (process.pid % 100);
  }

  /** Creates a host (namespace + veth pair + addresses, links up) and returns it. */
  async addHost(name: string): Promise<Host> {
    const i = this.hosts.length + 1;
    const host: Host = {
      name,
      netns: `${this.tag}-${i}`,
      veth: `${this.tag}r${i}`,
      gatewayIp: `10.${this.subnet}.${i}.1`,
      ip: `10.${this.subnet}.${i}.2`,
    };
    const peer = `${this.tag}p${i}`;
    this.hosts.push(host);
    await sh('ip', ['netns', 'add', host.netns]);
    await sh('ip', ['link', 'add', host.veth, 'type', 'veth', 'peer', 'name', peer]);
    await sh('ip', ['link', 'set', peer, 'netns', host.netns]);
    await sh('ip', ['addr', 'add', `${host.gatewayIp}/24`, 'dev', host.veth]);
    await sh('ip', ['link', 'set', host.veth, 'up']);
    await sh('ip', ['-n', host.netns, 'addr', 'add', `${host.ip}/24`, 'dev', peer]);
    await sh('ip', ['-n', host.netns, 'link', 'set', peer, 'up']);
    await sh('ip', ['-n', host.netns, 'link', 'set', 'lo', 'up']);
    return host;
  }

  /** Drops every packet to and from `host` (both directions, silently: like a pulled cable). */
  async partition(host: Host): Promise<void> {
    await this.ensureTable();
    await sh('nft', ['add', 'element', 'inet', this.table, 'parted', `{ "${host.veth}" }`]);
  }

  /** Ends the partition of `host`. */
  async heal(host: Host): Promise<void> {
    await sh('nft', ['delete', 'element', 'inet', this.table, 'parted', `{ "${host.veth}" }`]);
  }

  /** Removes the nftables table, every veth and every namespace this lab made; throws what it could not. */
  async cleanup(): Promise<void> {
    const problems: string[] = [];
    const attempt = async (p: Promise<unknown>) => p.catch((e: Error) => problems.push(e.message));
    if (this.tableReady) await attempt(sh('nft', ['delete', 'table', 'inet', this.table]));
    this.tableReady = false;
    for (const h of this.hosts.splice(0)) {
      // Deleting the root end removes the pair; deleting the namespace kills nothing (processes were ours
      // and are gone by now) and frees its name.
      await attempt(sh('ip', ['link', 'del', h.veth]));
      await attempt(sh('ip', ['netns', 'del', h.netns]));
    }
    const left = await leftovers(this.tag);
    if (left.length > 0) problems.push(`left behind: ${left.join(', ')}`);
    if (problems.length > 0) throw new Error(`netns cleanup: ${problems.join('; ')}`);
  }

  private async ensureTable(): Promise<void> {
    if (this.tableReady) return;
    const t = ['inet', this.table];
    await sh('nft', ['add', 'table', ...t]);
    this.tableReady = true;
    await sh('nft', ['add', 'set', ...t, 'parted', '{ type ifname; }']);
    for (const [chain, hook, dir] of [
      ['in', 'input', 'iifname'],
      ['out', 'output', 'oifname'],
    ]) {
      await sh('nft', [
        'add',
        'chain',
        ...t,
        chain,
        `{ type filter hook ${hook} priority 0; policy accept; }`,
      ]);
      await sh('nft', ['add', 'rule', ...t, chain, dir, '@parted', 'drop']);
    }
  }
}

/** Namespaces, links and nftables tables whose names start with `tag`. */
export async function leftovers(tag: string): Promise<string[]> {
  const ns = (await sh('ip', ['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]);
  const links = (await sh('ip', ['-o', 'link', 'show']))
    .split('\n')
    .map((l) => l.split(':')[1]?.trim() ?? '');
  const tables = (await sh('nft', ['list', 'tables'])).split('\n').map((l) => l.split(' ').pop() ?? '');
  return [...ns, ...links.map((l) => l.split('@')[0]), ...tables].filter((n) => n.startsWith(tag));
}

/**
 * Removes namespaces, veths and tables of earlier suite runs whose process is gone (a run killed before
 * its cleanup); those of live processes are left alone.
 */
export async function sweepStale(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await leftovers(PREFIX)) {
    const m = /^gpf(\d+)/.exec(name);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    const isNs = (await sh('ip', ['netns', 'list'])).split('\n').some((l) => l.split(' ')[0] === name);
    const isTable = /^gpf\d+$/.test(name) && (await sh('nft', ['list', 'tables'])).includes(` ${name}`);
    if (isTable) await sh('nft', ['delete', 'table', 'inet', name]).catch(() => {});
    if (isNs) await sh('ip', ['netns', 'del', name]).catch(() => {});
    else if (!isTable) await sh('ip', ['link', 'del', name]).catch(() => {});
    removed.push(name);
  }
  return removed;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
