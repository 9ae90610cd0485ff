/** Wires the real coordinator: runs it until SIGTERM or SIGINT, then checkpoints and stops. */
import { createLogger, type Level, type Logger } from '../shared/log';
import { Coordinator } from './coordinator';

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
  /** Lowest level of the JSON log lines on stderr (default info). */
  readonly logLevel?: Level;
  /** Jobs trained at the same time, e.g. a search's trials (default 4). */
  readonly maxRunningJobs?: number;
  /** Port of the live dashboard on `host` (0 = any free port); no dashboard when undefined. */
  readonly httpPort?: number;
  /** Largest dataset an upload may declare, in bytes (default 2 GiB). */
  readonly maxDatasetBytes?: number;
}

/** A coordinator started inside another program (e.g. `gradpool train --workers N`). */
export interface EmbeddedCoordinator {
  /** The port it listens on. */
  readonly port: number;
  /** The dashboard's address, when started with httpPort. */
  readonly dashboardUrl?: string;
  /** Checkpoints running jobs and stops the server. */
  close(): Promise<void>;
}

/** Starts a coordinator in this process and returns once it listens. */
export async function startCoordinator(config: CoordinatorConfig, log: Logger): Promise<EmbeddedCoordinator> {
  const coordinator = new Coordinator({
    dataDir: config.dataDir,
    leaseMs: config.leaseMs,
    checkpointEvery: config.checkpointEvery,
    maxRunningJobs: config.maxRunningJobs,
    httpPort: config.httpPort,
    maxDatasetBytes: config.maxDatasetBytes,
    log,
  });
  const port = await coordinator.start(config.port, config.host);
  return { port, dashboardUrl: coordinator.dashboardUrl, close: () => coordinator.close() };
}

/**
 * Starts the coordinator; resolves once a SIGTERM/SIGINT has checkpointed running jobs and stopped it.
 * `onListening` gets the gRPC port and, with httpPort, the dashboard's address.
 */
export async function runCoordinator(
  config: CoordinatorConfig,
  onListening?: (port: number, dashboardUrl?: string) => void,
): Promise<void> {
  const log = createLogger('coordinator', undefined, config.logLevel ?? 'info');
  const coordinator = await startCoordinator(config, log);
  onListening?.(coordinator.port, coordinator.dashboardUrl);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      log('info', 'signal received; checkpointing and stopping', { signal });
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await coordinator.close();
}
