#!/usr/bin/env node
/** The `gradpool` command. The only place that reads flags and the environment and wires real parts. */
import { Command, CommanderError } from 'commander';
import { parseBackendName, selectBackend, type BackendName } from '../backend/select';
import { GradpoolError } from '../shared/errors';
import { createLogger } from '../shared/log';
import { trainCommand } from './train';

/** Process-wide settings, read once. */
interface Config {
  /** Backend from GRADPOOL_BACKEND (default auto); `--backend` overrides it. */
  readonly backend: BackendName;
}

const EXIT_BAD_INPUT = 2;

function readConfig(env: NodeJS.ProcessEnv): Config {
  return Object.freeze({ backend: parseBackendName(env.GRADPOOL_BACKEND ?? 'auto', 'GRADPOOL_BACKEND') });
}

async function main(argv: string[]): Promise<number> {
  const log = createLogger('cli');
  const out = (line: string): void => void process.stdout.write(line + '\n');
  const err = (line: string): void => void process.stderr.write(line + '\n');
  let json = argv.includes('--json');
  try {
    const config = readConfig(process.env);
    let code = 0;
    const program = new Command()
      .name('gradpool')
      .description('Train CNNs and MLPs with the classic recipe, on one machine or a pool.')
      .exitOverride()
      .configureOutput({ writeErr: (s) => process.stderr.write(s) });
    program
      .command('train')
      .description('run a job spec (YAML or JSON) in this process')
      .argument('<spec>', 'job spec file')
      .option('--json', 'print one JSON object per line', false)
      .option(
        '--backend <name>',
        'reference | gpujs-cpu | gpujs-webasm | auto (default: GRADPOOL_BACKEND or auto)',
      )
      .action(async (specPath: string, opts: { json: boolean; backend?: string }) => {
        json = opts.json;
        const backend = opts.backend ? parseBackendName(opts.backend, '--backend') : config.backend;
        code = await trainCommand(
          specPath,
          { json: opts.json },
          () => selectBackend(backend, (m, f) => log('info', m, f)),
          out,
          err,
        );
      });
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    const known = e instanceof GradpoolError;
    const code = known ? (e as GradpoolError).code : 'E_INTERNAL';
    const message = (e as Error).message;
    if (json) out(JSON.stringify({ type: 'error', code, message }));
    else err(`gradpool: ${message}`);
    if (!known) err((e as Error).stack ?? '');
    return known && code !== 'E_BACKEND_UNAVAILABLE' ? EXIT_BAD_INPUT : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`gradpool: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
