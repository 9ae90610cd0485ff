/** Wires the real coordinator: runs it until SIGTERM or SIGINT, then checkpoints and stops. */
import { createLogger, type Level, type LogFormat, type Logger } from '../shared/log';
import type { FileRef, ServerTlsFiles } from '../transport/credentials';
import { Auth } from './auth';
import { Coordinator } from './coordinator';
import { Limits, type LimitValues } from './limits';
import { closeOnSignal, DEFAULT_SHUTDOWN_TIMEOUT_MS } from './shutdown';

/** The coordinator's frozen configuration. */
export interface CoordinatorConfig {
  /** Port to listen on (0 = any free port). */
  readonly port: number;
  readonly host: string;
  /** Directory of job records and checkpoints. */
  readonly dataDir: string;
  /** Milliseconds a worker has per task before it is re-issued. */
  readonly leaseMs: number;
  /** Iterations between checkpoints, besides every epoch end. */
  readonly checkpointEvery: number;
  /** Lowest level of the log lines on stderr (default info). */
  readonly logLevel?: Level;
  /** Format of the log lines on stderr (default json). */
  readonly logFormat?: LogFormat;
  /** Jobs trained at the same time, e.g. a search's trials (default 4). */
  readonly maxRunningJobs?: number;
  /** Port of the live dashboard on `host` (0 = any free port); no dashboard when undefined. */
  readonly httpPort?: number;
  /** Largest dataset an upload may declare, in bytes (default 2 GiB). */
  readonly maxDatasetBytes?: number;
  /** TLS files of the gRPC port (plaintext when undefined); `ca` turns on mutual TLS. */
  readonly tls?: ServerTlsFiles;
  /** Tokens file (auth.ts); without it every caller may do everything. */
  readonly tokensFile?: FileRef;
  /** Plaintext grpc.health.v1 port on `host` (0 = any free port), for Kubernetes probes. */
  readonly healthPort?: number;
  /** Admission limits (limits.ts DEFAULT_LIMITS for those not given). */
  readonly limits?: Partial<LimitValues>;
  /** Port of a plain `/metrics` server on `host` (0 = any free port); none when undefined. */
  readonly metricsPort?: number;
  /** Milliseconds a SIGTERM shutdown may take before the process exits 1 anyway (default 20 000). */
  readonly shutdownTimeoutMs?: number;
}

/** A coordinator started inside another program (e.g. `gradpool train --workers N`). */
export interface EmbeddedCoordinator {
  /** The port it listens on. */
  readonly port: number;
  /** The dashboard's address, when started with httpPort. */
  readonly dashboardUrl?: string;
  /** The plaintext health port, when started with healthPort. */
  readonly healthPort?: number;
  /** The metrics address (http://…/metrics), when started with metricsPort. */
  readonly metricsUrl?: string;
  /** Workers connected now. */
  workerCount(): number;
  /** Checkpoints running jobs and stops the server. */
  close(): Promise<void>;
}

/** Starts a coordinator in this process and returns once it listens. */
export async function startCoordinator(config: CoordinatorConfig, log: Logger): Promise<EmbeddedCoordinator> {
  const auth = config.tokensFile ? Auth.fromFile(config.tokensFile) : Auth.open();
  if (config.httpPort !== undefined && auth.enabled) {
    log('warn', 'the dashboard has no authentication: it shows every job to whoever reaches its port', {
      httpPort: config.httpPort,
    });
  }
  const coordinator = new Coordinator({
    tls: config.tls,
    auth,
    limits: new Limits(config.limits),
    healthPort: config.healthPort,
    dataDir: config.dataDir,
    leaseMs: config.leaseMs,
    checkpointEvery: config.checkpointEvery,
    maxRunningJobs: config.maxRunningJobs,
    httpPort: config.httpPort,
    maxDatasetBytes: config.maxDatasetBytes,
    metricsPort: config.metricsPort,
    log,
  });
  const port = await coordinator.start(config.port, config.host);
  return {
    port,
    dashboardUrl: coordinator.dashboardUrl,
    healthPort: coordinator.healthPort,
    metricsUrl: coordinator.metricsUrl,
    workerCount: () => coordinator.workerCount,
    close: () => coordinator.close(),
  };
}

/**
 * Starts the coordinator; resolves once a SIGTERM/SIGINT has checkpointed running jobs and stopped it
 * (see shutdown.ts). `onListening` gets the gRPC port and, when started with them, the dashboard's and
 * the metrics' addresses. `force` ends the process when the shutdown overruns (default: exit code 1).
 */
export async function runCoordinator(
  config: CoordinatorConfig,
  onListening?: (port: number, dashboardUrl?: string, healthPort?: number, metricsUrl?: string) => void,
  force: (why: string) => void = () => process.exit(1),
): Promise<void> {
  const log = createLogger('coordinator', undefined, config.logLevel ?? 'info', config.logFormat ?? 'json');
  // Said here, not in startCoordinator: a local pool (`train --workers N`) is open on purpose.
  if (!config.tokensFile) {
    log(
      'warn',
      'no tokens file: every caller may submit, cancel and join as a worker; see docs/security.md',
      {
        fix: '--tokens FILE',
      },
    );
  }
  const coordinator = await startCoordinator(config, log);
  onListening?.(coordinator.port, coordinator.dashboardUrl, coordinator.healthPort, coordinator.metricsUrl);
  await closeOnSignal(() => coordinator.close(), {
    timeoutMs: config.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    log,
    force,
  });
}
