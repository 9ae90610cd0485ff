/**
 * deploy/Dockerfile and .dockerignore, checked without a container engine: the structure of the two
 * stages, and then the image's steps emulated on this machine: the context's files compiled on their own,
 * and the runtime stage's files started as a coordinator through the image's entrypoint.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { waitFor } from '../../helpers/cluster';
import {
  contextFiles,
  execForm,
  inContext,
  parseCopy,
  parseDockerfile,
  readDockerignore,
  type Stage,
} from './dockerfile';
import { allContainers, podTemplates } from './k8s-semantics';
import { build, K8S_DIR, REPO, type Manifest } from './kustomize';

const dockerfile = () => parseDockerfile(fs.readFileSync(path.join(REPO, 'deploy/Dockerfile'), 'utf8'));
const rules = () => readDockerignore(fs.readFileSync(path.join(REPO, '.dockerignore'), 'utf8'));
/** What the runtime stage may take from the build stage. dashboard/: the coordinator's web page. */
const RUNTIME_FILES = ['package.json', 'node_modules', 'dist', 'proto', 'dashboard'];

function stages(): { build: Stage; runtime: Stage } {
  const s = dockerfile();
  assert.equal(s.length, 2, 'a build stage and a runtime stage');
  return { build: s[0], runtime: s[1] };
}

const runs = (s: Stage) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const last = (s: Stage, keyword: string) => s.instructions.filter((i) => i.keyword === keyword).at(-1);

/** The runtime stage's COPY --from=<build> sources, without the /src/ (WORKDIR) prefix. */
function runtimeCopies(): { source: string; dest: string }[] {
  const { build: b, runtime } = stages();
  return runtime.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const c = parseCopy(i.args);
      assert.equal(
        c.flags.from,
        b.name,
        `the runtime stage copies from the build stage only: COPY ${i.args}`,
      );
      assert.equal(c.sources.length, 1);
      return { source: path.posix.relative(last(b, 'WORKDIR')!.args, c.sources[0]), dest: c.dest };
    });
}

/** The coordinator's --data-dir in `ms`. */
function dataDirOf(ms: readonly Manifest[]): string {
  const args = podTemplates(ms).find((t) => t.kind === 'StatefulSet')!.spec.containers[0].args ?? [];
  const dir = args[args.indexOf('--data-dir') + 1];
  assert.ok(dir?.startsWith('/'), 'the coordinator has an absolute --data-dir');
  return dir;
}

describe('deploy/Dockerfile', () => {
  it('has a build stage and a runtime stage, both on node:20-bookworm-slim', () => {
    const { build: b, runtime } = stages();
    assert.equal(b.image, 'node:20-bookworm-slim');
    assert.equal(runtime.image, 'node:20-bookworm-slim');
    assert.ok(b.name, 'the build stage is named');
  });

  it('the build stage installs from the lock file, compiles, then drops the dev dependencies', () => {
    const steps = runs(stages().build).join(' && ');
    const at = (re: RegExp) => {
      const m = re.exec(steps);
      assert.ok(m, `no ${re} in the build stage`);
      return m.index;
    };
    const ci = at(/\bnpm ci\b/);
    const compile = at(/\bnpm run build\b/);
    const prune = at(/\bnpm prune --omit=dev\b/);
    assert.ok(ci < compile && compile < prune, 'npm ci, then npm run build, then npm prune --omit=dev');
    assert.ok(!/\bnpm (install|i)\b/.test(steps), 'npm ci only: the lock file decides');
  });

  it('the runtime stage takes only package.json, the pruned node_modules, dist, proto and dashboard', () => {
    const { runtime } = stages();
    const copies = runtimeCopies();
    for (const { source } of copies) assert.ok(RUNTIME_FILES.includes(source), `runtime copies ${source}`);
    for (const need of ['package.json', 'node_modules', 'dist', 'proto']) {
      assert.ok(
        copies.some((c) => c.source === need),
        `runtime lacks ${need}`,
      );
    }
    assert.ok(!runs(runtime).some((r) => /\bnpm\b/.test(r)), 'no npm in the runtime stage');
    assert.ok(!runtime.instructions.some((i) => i.keyword === 'ADD'), 'no ADD in the runtime stage');
  });

  it('the runtime stage installs tini and runs as uid 10001, the user of every manifest', () => {
    const { runtime } = stages();
    const apt = runs(runtime).find((r) => /apt-get install/.test(r));
    assert.ok(apt && /\btini\b/.test(apt) && /--no-install-recommends/.test(apt), 'apt-get install tini');
    assert.match(apt, /rm -rf \/var\/lib\/apt\/lists/, 'apt lists removed');
    const user = last(runtime, 'USER')?.args ?? '';
    assert.match(user, /^\d+(:\d+)?$/, 'a numeric USER, so runAsNonRoot can verify it');
    const uid = Number(user.split(':')[0]);
    assert.ok(uid > 0, 'not root');
    assert.match(apt, new RegExp(`useradd .*--uid ${uid}\\b`), 'the user exists in /etc/passwd');
    const dataDir = dataDirOf(build(path.join(K8S_DIR, 'base')));
    assert.match(apt, new RegExp(`mkdir -p ${dataDir}\\b`), `the image has ${dataDir}`);
    assert.match(apt, new RegExp(`chown ${uid}(:\\d+)? ${dataDir}\\b`), `${dataDir} belongs to ${uid}`);
    for (const target of ['base', 'overlays/cpu', 'overlays/gpu']) {
      for (const t of podTemplates(build(path.join(K8S_DIR, target)))) {
        for (const c of allContainers(t.spec)) {
          assert.equal(c.securityContext?.runAsUser ?? t.spec.securityContext?.runAsUser, uid, `${t.owner}`);
        }
      }
    }
  });

  it("the entrypoint is tini in exec form, running the package's bin with node", () => {
    const { runtime } = stages();
    const entry = execForm(last(runtime, 'ENTRYPOINT')?.args ?? '');
    assert.ok(entry, 'ENTRYPOINT in exec form (a shell would be PID 1 and swallow SIGTERM)');
    assert.deepEqual(entry.slice(0, 3), ['/usr/bin/tini', '--', 'node']);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    assert.deepEqual(entry.slice(3), [pkg.bin.gradpool]);
    const cmd = last(runtime, 'CMD');
    if (cmd) assert.ok(execForm(cmd.args), 'CMD in exec form');
  });

  it('.dockerignore keeps dependencies, build output, git, tests and local data out of the context', () => {
    const r = rules();
    for (const out of [
      'node_modules/x/index.js',
      'dist/src/cli/main.js',
      '.git/HEAD',
      'test/unit/x.test.ts',
    ]) {
      assert.ok(!inContext(r, out), `${out} is in the context`);
    }
    for (const p of ['bench', 'runs', 'examples', 'docs', 'deploy', '.ci'])
      assert.ok(!inContext(r, `${p}/x`), p);
    for (const need of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'src/cli/main.ts',
      'proto/x.proto',
    ]) {
      assert.ok(inContext(r, need), `${need} is not in the context`);
    }
  });

  describe('emulated on this machine', () => {
    let scratch = '';
    beforeEach(() => (scratch = fs.mkdtempSync(path.join(tmpdir(), 'gradpool-image-'))));
    afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it('the context compiles on its own, and the runtime files start a coordinator through the entrypoint', async () => {
      // The build stage: the context's files, dependencies (the repository's, dev ones included) and tsc.
      const src = path.join(scratch, 'src');
      for (const f of contextFiles(REPO, rules())) {
        fs.mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
        fs.copyFileSync(path.join(REPO, f), path.join(src, f));
      }
      fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(src, 'node_modules'), 'dir');
      const tsc = path.join(REPO, 'node_modules/typescript/bin/tsc');
      execFileSync(process.execPath, [tsc, '-p', src], { stdio: 'pipe' });
      if (runs(stages().build).some((r) => /mkdir -p dashboard\b/.test(r))) {
        fs.mkdirSync(path.join(src, 'dashboard'), { recursive: true });
      }

      // The runtime stage: only what it copies, then the entrypoint's command (tini aside) in its WORKDIR.
      const app = path.join(scratch, 'app');
      fs.mkdirSync(app);
      for (const { source, dest } of runtimeCopies()) {
        const to = path.join(app, dest);
        if (source === 'node_modules') fs.symlinkSync(path.join(REPO, 'node_modules'), to, 'dir');
        else fs.cpSync(path.join(src, source), to, { recursive: true });
      }
      const entry = execForm(last(stages().runtime, 'ENTRYPOINT')!.args)!;
      const command = entry.slice(entry.indexOf('--') + 1);
      const data = path.join(scratch, 'data');
      const child = spawn(
        command[0] === 'node' ? process.execPath : command[0],
        [...command.slice(1), 'coordinator', '--host', '127.0.0.1', '--port', '0', '--data-dir', data],
        { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
      );
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      const exited = new Promise<number | null>((done) => child.on('close', done));
      try {
        const died = exited.then((code) => {
          if (!/listening on/.test(out)) throw new Error(`the coordinator exited (code ${code}):\n${out}`);
        });
        await Promise.race([
          waitFor('the coordinator to listen', () => /listening on/.test(out), 20_000),
          died,
        ]);
        child.kill('SIGTERM');
        assert.equal(await exited, 0, out);
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
    });
  });
});
