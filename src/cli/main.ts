#!/usr/bin/env node
/** The `gradpool` command. The only place that reads flags and the environment and wires real parts. */
import { availableParallelism } from 'node:os';
import { Command, CommanderError } from 'commander';
import { ReferenceRunner } from '../backend/reference';
import { parseBackendName, selectBackend, type BackendName } from '../backend/select';
import { CoordinatorClient } from '../coordinator/client';
import type { ClientSecurity } from '../transport/credentials';
import { runCoordinator } from '../coordinator/main';
import { GradpoolError } from '../shared/errors';
import { createLogger, parseLevel, parseLogFormat, type Level, type LogFormat } from '../shared/log';
import { parseAddress, runWorker, workerConfig } from '../worker/main';
import { checkCommand } from './check';
import { dataListCommand, dataUploadCommand } from './data';
import {
  cancelCommand,
  evalCommand,
  exportCommand,
  jobsCommand,
  submitCommand,
  watchJob,
  type Io,
} from './jobs';
import { onLocalPool, trainOnLocalPool } from './local-pool';
import { readSearchSpec, searchCommand } from './search';
import {
  addClientSecurityFlags,
  addServerSecurityFlags,
  clientSecurity,
  serverSecurity,
  type ServerSecurity,
} from './security-flags';
import { predictCommand } from './predict';
import { trainCommand } from './train';

/** Process-wide settings, read once from the environment. */
interface Config {
  /** GRADPOOL_BACKEND (default auto); `--backend` overrides it. */
  readonly backend: BackendName;
  /** GRADPOOL_COORDINATOR (default 127.0.0.1:7070); `--coordinator` overrides it. */
  readonly coordinator: string;
  /** GRADPOOL_THREADS: cpu-pool threads per process (unset: the command's default); `--threads` overrides it. */
  readonly threads: number | undefined;
  /** GRADPOOL_LOG_LEVEL: lowest level of the JSON log lines on stderr (default info). */
  readonly logLevel: Level;
  /** GRADPOOL_LOG_FORMAT: json (default) or text; `--log-format` overrides it on coordinator and worker. */
  readonly logFormat: LogFormat;
}

const EXIT_BAD_INPUT = 2;
const DEFAULT_PORT = 7070;
/** Largest cpu-pool size a flag or GRADPOOL_THREADS may ask for. */
const MAX_THREADS = 1024;

function levelOf(raw: string): Level {
  try {
    return parseLevel(raw, 'GRADPOOL_LOG_LEVEL');
  } catch (e) {
    throw new GradpoolError('E_BAD_ARGS', (e as Error).message);
  }
}

function formatOf(raw: string, source: string): LogFormat {
  try {
    return parseLogFormat(raw, source);
  } catch (e) {
    throw new GradpoolError('E_BAD_ARGS', (e as Error).message);
  }
}

/** `--shutdown-timeout` in seconds (0.1 to 3600) as milliseconds, or a clear E_BAD_ARGS. */
function shutdownTimeoutMs(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(v >= 0.1 && v <= 3600)) {
    throw new GradpoolError('E_BAD_ARGS', `--shutdown-timeout must be seconds in [0.1, 3600], got "${raw}"`);
  }
  return Math.round(v * 1000);
}

function readConfig(env: NodeJS.ProcessEnv): Config {
  return Object.freeze({
    backend: parseBackendName(env.GRADPOOL_BACKEND ?? 'auto', 'GRADPOOL_BACKEND'),
    coordinator: parseAddress(
      env.GRADPOOL_COORDINATOR ?? `127.0.0.1:${DEFAULT_PORT}`,
      'GRADPOOL_COORDINATOR',
    ),
    threads:
      env.GRADPOOL_THREADS === undefined
        ? undefined
        : intFlag(env.GRADPOOL_THREADS, 'GRADPOOL_THREADS', 1, MAX_THREADS),
    logLevel: levelOf(env.GRADPOOL_LOG_LEVEL ?? 'info'),
    logFormat: formatOf(env.GRADPOOL_LOG_FORMAT ?? 'json', 'GRADPOOL_LOG_FORMAT'),
  });
}

/** An integer flag within [min, max], or a clear E_BAD_ARGS. */
function intFlag(raw: string, flag: string, min: number, max: number): number {
  const v = Number(raw);
  if (!/^\d+$/.test(raw) || !(v >= min && v <= max)) {
    throw new GradpoolError('E_BAD_ARGS', `${flag} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return v;
}

/** `--threads` if given, else GRADPOOL_THREADS, else undefined (the command's default). */
function threadsOf(flag: string | undefined, config: Config): number | undefined {
  return flag === undefined ? config.threads : intFlag(flag, '--threads', 1, MAX_THREADS);
}

async function main(argv: string[]): Promise<number> {
  let log = createLogger('cli');
  const out = (line: string): void => void process.stdout.write(line + '\n');
  const err = (line: string): void => void process.stderr.write(line + '\n');
  let json = argv.includes('--json');
  const io = (asJson: boolean): Io => ({
    json: asJson,
    out,
    err,
    progress: !asJson && process.stderr.isTTY === true,
  });
  let code = 0;
  try {
    const config = readConfig(process.env);
    log = createLogger('cli', undefined, config.logLevel, config.logFormat);
    // TLS files, token and limits of the command being run: read by the preAction hook below.
    const security: { client?: ClientSecurity; server?: ServerSecurity } = {};
    const client = (flag?: string) =>
      new CoordinatorClient(flag ? parseAddress(flag, '--coordinator') : config.coordinator, security.client);
    const withClient = async (flag: string | undefined, fn: (c: CoordinatorClient) => Promise<number>) => {
      const c = client(flag);
      try {
        return await fn(c);
      } finally {
        c.close();
      }
    };
    const program = new Command()
      .name('gradpool')
      .description('Train CNNs and MLPs with the classic recipe, on one machine or a pool.')
      .exitOverride()
      .configureOutput({ writeErr: (s) => process.stderr.write(s) });

    program
      .command('train')
      .description('run a job spec (YAML or JSON): in this process, or on a local pool with --workers N')
      .argument('<spec>', 'job spec file')
      .option('--workers <n>', 'worker processes on a local pool; 0 = train in this process', '0')
      .option('--pictures <dir>', 'write loss.png, accuracy.png and weights.png into DIR at the end')
      .option('--json', 'print one JSON object per line', false)
      .option(
        '--backend <name>',
        'cpu-pool | reference | gpujs-cpu | gpujs-webasm | auto (default: GRADPOOL_BACKEND or auto)',
      )
      .option(
        '--threads <n>',
        'cpu-pool threads per process (default: GRADPOOL_THREADS, else the CPUs shared among the processes)',
      )
      .option('--http-port <port>', 'live dashboard of the local pool on 127.0.0.1 (0 = any free port)')
      .action(
        async (
          specPath: string,
          opts: {
            json: boolean;
            backend?: string;
            workers: string;
            pictures?: string;
            threads?: string;
            httpPort?: string;
          },
        ) => {
          json = opts.json;
          const backend = opts.backend ? parseBackendName(opts.backend, '--backend') : config.backend;
          const workers = intFlag(opts.workers, '--workers', 0, 64);
          if (workers === 0 && opts.httpPort !== undefined)
            throw new GradpoolError('E_BAD_ARGS', '--http-port needs a local pool (--workers N with N > 0)');
          const httpPort =
            opts.httpPort === undefined ? undefined : intFlag(opts.httpPort, '--http-port', 0, 65535);
          // N local workers share this machine's CPUs rather than each taking all of them.
          const threads =
            threadsOf(opts.threads, config) ??
            Math.max(1, Math.floor(availableParallelism() / Math.max(1, workers)));
          code =
            workers === 0
              ? await trainCommand(
                  specPath,
                  { json, pictures: opts.pictures },
                  () => selectBackend(backend, (m, f) => log('info', m, f), threads),
                  out,
                  err,
                )
              : await trainOnLocalPool(specPath, workers, backend, threads, io(json), log, {
                  httpPort,
                  pictures: opts.pictures,
                });
        },
      );

    program
      .command('check')
      .description("run the recipe's sanity checks on a job spec; exit 4 if any fails (see docs/check.md)")
      .argument('<spec>', 'job spec file')
      .option('--json', 'print one JSON object per line', false)
      .option(
        '--backend <name>',
        'backend of every check but the gradient check, which always runs on reference (float64)',
      )
      .option('--overfit-samples <n>', 'training samples the overfit check must fit', '20')
      .option('--overfit-epochs <n>', 'full-batch sgd updates per learning rate in the overfit check', '200')
      .action(
        async (
          specPath: string,
          opts: { json: boolean; backend?: string; overfitSamples: string; overfitEpochs: string },
        ) => {
          json = opts.json;
          const backend = opts.backend ? parseBackendName(opts.backend, '--backend') : config.backend;
          const checks = Object.freeze({
            overfit: {
              samples: intFlag(opts.overfitSamples, '--overfit-samples', 1, 10_000),
              epochs: intFlag(opts.overfitEpochs, '--overfit-epochs', 1, 100_000),
            },
          });
          code = await checkCommand(
            specPath,
            { json, checks },
            () => selectBackend(backend, (m, f) => log('info', m, f)),
            () => new ReferenceRunner(),
            out,
            err,
          );
        },
      );

    program
      .command('coordinator')
      .description('run a coordinator until SIGTERM (then it checkpoints running jobs and stops)')
      .option('--port <port>', 'port to listen on (0 = any free port)', String(DEFAULT_PORT))
      .option('--host <host>', 'address to bind', '127.0.0.1')
      .requiredOption('--data-dir <dir>', 'directory of job records and checkpoints')
      .option('--lease-ms <ms>', 'milliseconds a worker has per task before it is re-issued', '10000')
      .option('--checkpoint-every <n>', 'iterations between checkpoints, besides every epoch end', '50')
      .option('--max-running-jobs <n>', 'jobs trained at the same time (e.g. the trials of a search)', '4')
      .option('--json', 'print the listening address as JSON', false)
      .option('--http-port <port>', 'serve the live dashboard on this port of --host (0 = any free port)')
      .option('--max-dataset-bytes <n>', 'largest dataset an upload may declare, in bytes', String(2 ** 31))
      .option('--metrics-port <port>', 'serve Prometheus /metrics on this port of --host (0 = any free port)')
      .option('--shutdown-timeout <seconds>', 'after SIGTERM, exit 1 if stopping takes longer (default 20)')
      .option('--log-format <format>', 'json | text (default: GRADPOOL_LOG_FORMAT or json)')
      .action(
        async (opts: {
          port: string;
          host: string;
          dataDir: string;
          leaseMs: string;
          checkpointEvery: string;
          maxRunningJobs: string;
          json: boolean;
          httpPort?: string;
          maxDatasetBytes: string;
          metricsPort?: string;
          shutdownTimeout?: string;
          logFormat?: string;
        }) => {
          const cfg = Object.freeze({
            port: intFlag(opts.port, '--port', 0, 65535),
            host: opts.host,
            dataDir: opts.dataDir,
            leaseMs: intFlag(opts.leaseMs, '--lease-ms', 1, 3_600_000),
            checkpointEvery: intFlag(opts.checkpointEvery, '--checkpoint-every', 1, 1_000_000_000),
            maxRunningJobs: intFlag(opts.maxRunningJobs, '--max-running-jobs', 1, 1024),
            httpPort:
              opts.httpPort === undefined ? undefined : intFlag(opts.httpPort, '--http-port', 0, 65535),
            maxDatasetBytes: intFlag(opts.maxDatasetBytes, '--max-dataset-bytes', 0, Number.MAX_SAFE_INTEGER),
            ...security.server,
            metricsPort:
              opts.metricsPort === undefined
                ? undefined
                : intFlag(opts.metricsPort, '--metrics-port', 0, 65535),
            shutdownTimeoutMs: shutdownTimeoutMs(opts.shutdownTimeout),
            logLevel: config.logLevel,
            logFormat: opts.logFormat ? formatOf(opts.logFormat, '--log-format') : config.logFormat,
          });
          await runCoordinator(cfg, (port, dashboardUrl, healthPort, metricsUrl) => {
            out(
              opts.json
                ? JSON.stringify({
                    type: 'listening',
                    host: cfg.host,
                    port,
                    ...(dashboardUrl && { dashboardUrl }),
                    ...(healthPort !== undefined && { healthPort }),
                    ...(metricsUrl && { metricsUrl }),
                  })
                : `gradpool coordinator listening on ${cfg.host}:${port}`,
            );
            if (dashboardUrl && !opts.json) out(`gradpool dashboard on ${dashboardUrl}`);
            if (healthPort !== undefined && !opts.json)
              out(`gradpool health (plaintext) on ${cfg.host}:${healthPort}`);
            if (metricsUrl && !opts.json) out(`gradpool metrics on ${metricsUrl}`);
          });
        },
      );

    program
      .command('worker')
      .description('run a worker that computes shards for a coordinator, until SIGTERM')
      .option('--coordinator <addr>', 'coordinator HOST:PORT (default: GRADPOOL_COORDINATOR)')
      .option(
        '--backend <name>',
        'auto | gpu | cpu | cpu-pool | gpujs-cpu | gpujs-webasm | reference | auto:NAME,NAME',
      )
      .option('--threads <n>', 'cpu-pool threads (default: GRADPOOL_THREADS, else every CPU)')
      .option('--id <id>', 'worker id (default: hostname-pid)')
      .option(
        '--cache-dir <dir>',
        'where fetched datasets are kept (default: GRADPOOL_CACHE_DIR, else a temp dir)',
      )
      .option(
        '--shutdown-timeout <seconds>',
        'after SIGTERM, exit 1 if the current task takes longer (default 20)',
      )
      .option('--log-format <format>', 'json | text (default: GRADPOOL_LOG_FORMAT or json)')
      .action(
        async (opts: {
          coordinator?: string;
          backend?: string;
          id?: string;
          threads?: string;
          cacheDir?: string;
          shutdownTimeout?: string;
          logFormat?: string;
        }) => {
          const format = opts.logFormat ? formatOf(opts.logFormat, '--log-format') : config.logFormat;
          const flags = {
            ...opts,
            threads: threadsOf(opts.threads, config),
            shutdownTimeoutMs: shutdownTimeoutMs(opts.shutdownTimeout),
          };
          const wc = workerConfig(flags, process.env);
          await runWorker(Object.freeze({ ...wc, security: security.client }), {
            log: createLogger('worker', undefined, config.logLevel, format),
            onShutdownTimeout: () => process.exit(1),
          });
        },
      );

    const data = program.command('data').description('datasets stored on a coordinator (see docs/data.md)');
    data
      .command('upload')
      .description('upload files as a dataset; prints its id')
      .argument(
        '<path...>',
        'files, or ROLE=FILE (roles: train-images, train-labels, test-images, test-labels; train, test)',
      )
      .requiredOption('--name <name>', 'name to store it under (a job names it as dataset:NAME)')
      .option('--format <format>', 'idx | cifar | csv | npy (default: from the file names)')
      .option('--coordinator <addr>', 'coordinator HOST:PORT')
      .option('--json', 'print one JSON object', false)
      .action(
        async (
          paths: string[],
          opts: { name: string; format?: string; coordinator?: string; json: boolean },
        ) => {
          json = opts.json;
          code = await withClient(opts.coordinator, (c) => dataUploadCommand(c, paths, opts, io(opts.json)));
        },
      );
    data
      .command('list')
      .description('list the stored datasets: name, id prefix, format, size, samples, created')
      .option('--coordinator <addr>', 'coordinator HOST:PORT')
      .option('--json', 'print one JSON object per line', false)
      .action(async (opts: { coordinator?: string; json: boolean }) => {
        code = await withClient(opts.coordinator, (c) => dataListCommand(c, io(opts.json)));
      });

    program
      .command('search')
      .description(
        "random search of the spec's search: ranges, coarse to fine; prints the trials by validation accuracy and writes the best spec",
      )
      .argument('<spec>', 'job spec file with a search: block')
      .option('--coordinator <addr>', 'coordinator HOST:PORT (default: GRADPOOL_COORDINATOR)')
      .option(
        '--workers <n>',
        'worker processes on a local pool with an embedded coordinator (0 = use --coordinator)',
        '0',
      )
      .option('--out <file>', "where to write the best trial's spec as YAML (default: best-<jobid>.yaml)")
      .option('--json', 'print one JSON object per line', false)
      .option('--backend <name>', 'backend of the local workers (with --workers)')
      .option('--threads <n>', 'cpu-pool threads per local worker (with --workers)')
      .action(
        async (
          specPath: string,
          opts: {
            coordinator?: string;
            workers: string;
            out?: string;
            json: boolean;
            backend?: string;
            threads?: string;
          },
        ) => {
          json = opts.json;
          const workers = intFlag(opts.workers, '--workers', 0, 64);
          if (workers > 0 && opts.coordinator !== undefined)
            throw new GradpoolError('E_BAD_ARGS', 'give --coordinator or --workers N, not both');
          const run = (c: CoordinatorClient) => searchCommand(c, specPath, { out: opts.out }, io(json));
          if (workers === 0) {
            code = await withClient(opts.coordinator, run);
            return;
          }
          readSearchSpec(specPath); // fail on a bad spec before starting anything
          const backend = opts.backend ? parseBackendName(opts.backend, '--backend') : config.backend;
          const threads =
            threadsOf(opts.threads, config) ?? Math.max(1, Math.floor(availableParallelism() / workers));
          code = await onLocalPool({ workers, backend, threads }, io(json), log, run);
        },
      );

    program
      .command('submit')
      .description('submit a job spec to a coordinator')
      .argument('<spec>', 'job spec file')
      .option('--coordinator <addr>', 'coordinator HOST:PORT')
      .option('--watch', 'watch the job until it ends', false)
      .option('--request-id <id>', 'idempotency key (default: a random UUID)')
      .option('--json', 'print one JSON object per line', false)
      .action(
        async (
          specPath: string,
          opts: { coordinator?: string; watch: boolean; requestId?: string; json: boolean },
        ) => {
          code = await withClient(opts.coordinator, (c) => submitCommand(c, specPath, opts, io(opts.json)));
        },
      );

    program
      .command('watch')
      .description("print a job's epochs until it ends")
      .argument('<job>', 'job id')
      .option('--coordinator <addr>', 'coordinator HOST:PORT')
      .option('--json', 'print one JSON object per line', false)
      .action(async (jobId: string, opts: { coordinator?: string; json: boolean }) => {
        code = await withClient(opts.coordinator, (c) => watchJob(c, jobId, io(opts.json)));
      });

    program
      .command('jobs')
      .description('list jobs')
      .option('--coordinator <addr>', 'coordinator HOST:PORT')
      .option('--json', 'print one JSON object per line', false)
      .action(async (opts: { coordinator?: string; json: boolean }) => {
        code = await withClient(opts.coordinator, (c) => jobsCommand(c, io(opts.json)));
      });

    program
      .command('cancel')
      .description('cancel a job')
      .argument('<job>', 'job id')
      .option('--coordinator <addr>', 'coordinator HOST:PORT')
      .option('--json', 'print one JSON object per line', false)
      .action(async (jobId: string, opts: { coordinator?: string; json: boolean }) => {
        code = await withClient(opts.coordinator, (c) => cancelCommand(c, jobId, io(opts.json)));
      });

    program
      .command('export')
      .description("write a job's best parameters to a file")
      .argument('<job>', 'job id')
      .requiredOption('-o, --output <file>', 'output file (JSON, float32 data in base64)')
      .option('--coordinator <addr>', 'coordinator HOST:PORT')
      .option('--json', 'print one JSON object per line', false)
      .action(async (jobId: string, opts: { coordinator?: string; output: string; json: boolean }) => {
        code = await withClient(opts.coordinator, (c) => exportCommand(c, jobId, opts.output, io(opts.json)));
      });

    program
      .command('eval')
      .description("evaluate a job's best parameters on a split (each test look is counted)")
      .argument('<job>', 'job id')
      .option('--split <split>', 'train, val or test', 'test')
      .option('--coordinator <addr>', 'coordinator HOST:PORT')
      .option('--json', 'print one JSON object per line', false)
      .action(async (jobId: string, opts: { coordinator?: string; split: string; json: boolean }) => {
        code = await withClient(opts.coordinator, (c) => evalCommand(c, jobId, opts.split, io(opts.json)));
      });

    program
      .command('predict')
      .description(
        'classify the raw samples of a data source with an exported model (its stored preprocessing applied)',
      )
      .argument('<model>', 'model file written by gradpool export')
      .argument(
        '<source>',
        'data source, as data.train: idx:IMAGES,LABELS, cifar:…, csv:…, npy:…, builtin:mnist',
      )
      .option('--out <file>', 'write one predicted class per line')
      .option('--json', 'print one JSON object per line', false)
      .action((model: string, source: string, opts: { out?: string; json: boolean }) => {
        json = opts.json;
        code = predictCommand(model, source, { out: opts.out }, io(opts.json));
      });

    // TLS files and tokens on every command that dials a coordinator (docs/security.md).
    const all = (c: Command): Command[] => c.commands.flatMap((sub) => [sub, ...all(sub)]);
    for (const cmd of all(program)) {
      if (cmd.options.some((o) => o.long === '--coordinator')) addClientSecurityFlags(cmd);
      if (cmd.name() === 'coordinator') addServerSecurityFlags(cmd);
    }
    program.hook('preAction', (_program, cmd) => {
      if (cmd.options.some((o) => o.long === '--tls-server-name'))
        security.client = clientSecurity(cmd.opts(), process.env);
      if (cmd.name() === 'coordinator') security.server = serverSecurity(cmd.opts(), process.env, intFlag);
    });
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    const known = e instanceof GradpoolError;
    const errCode = known ? (e as GradpoolError).code : 'E_INTERNAL';
    const message = (e as Error).message;
    if (json) out(JSON.stringify({ type: 'error', code: errCode, message }));
    else err(`gradpool: ${message}`);
    if (!known) err((e as Error).stack ?? '');
    // Exit 2: the input is at fault (a bad spec/flag/file, an unknown id, a limit the input exceeds).
    const badInput = [
      'E_BAD_SPEC',
      'E_BAD_ARGS',
      'E_BAD_DATA',
      'E_NOT_FOUND',
      'E_TOO_LARGE',
      'E_LIMIT',
    ].includes(errCode);
    return badInput ? EXIT_BAD_INPUT : 1;
  }
}

// grpc-js passes an IP address as the TLS server name, which Node flags with DEP0123 on every TLS dial of
// 127.0.0.1 (the certificate is still checked against the IP's SAN); keep every other warning.
process.removeAllListeners('warning');
process.on('warning', (w: Error & { code?: string }) => {
  if (w.code !== 'DEP0123') process.stderr.write(`${w.name}: ${w.message}\n`);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`gradpool: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
