/** The small emulations the deploy checks rely on: strategic merge, selectors, $(VAR), quantities, .dockerignore. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inContext, parseDockerfile, readDockerignore } from './dockerfile';
import { expand, quantity, selects } from './k8s-semantics';
import { readYaml, strategicMerge } from './kustomize';

describe('deploy check helpers', () => {
  it('strategic merge merges containers and env by name, replaces other lists, and deletes on null', () => {
    const base = {
      spec: {
        containers: [
          { name: 'a', image: 'x', env: [{ name: 'K', value: '1' }] },
          { name: 'b', image: 'y' },
        ],
        tolerations: [{ key: 't1' }],
        nodeName: 'n1',
      },
    };
    const patch = {
      spec: {
        containers: [
          {
            name: 'a',
            env: [
              { name: 'K', value: '2' },
              { name: 'L', value: '3' },
            ],
          },
        ],
        tolerations: [{ key: 't2' }],
        nodeName: null,
      },
    };
    assert.deepEqual(strategicMerge(base, patch), {
      spec: {
        containers: [
          {
            name: 'a',
            image: 'x',
            env: [
              { name: 'K', value: '2' },
              { name: 'L', value: '3' },
            ],
          },
          { name: 'b', image: 'y' },
        ],
        tolerations: [{ key: 't2' }],
      },
    });
    assert.throws(() => strategicMerge(base, { spec: { $patch: 'replace' } }), /not supported/);
  });

  it('reads YAML only when 1.1 and 1.2 agree on it', () => {
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'gradpool-yaml-'));
    try {
      const file = path.join(dir, 'a.yaml');
      fs.writeFileSync(file, 'a: 1\n---\nb: two\n');
      assert.deepEqual(readYaml(file), [{ a: 1 }, { b: 'two' }]);
      for (const bad of ['mode: 0440\n', 'enabled: yes\n', 'at: 1:20\n']) {
        fs.writeFileSync(file, bad);
        assert.throws(() => readYaml(file), /YAML 1\.1 and 1\.2/, bad);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('label selectors follow matchLabels and every matchExpressions operator', () => {
    const labels = { app: 'g', tier: 'worker' };
    assert.ok(selects({ matchLabels: { app: 'g' } }, labels));
    assert.ok(!selects({ matchLabels: { app: 'h' } }, labels));
    assert.ok(
      selects({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['worker', 'client'] }] }, labels),
    );
    assert.ok(
      !selects({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['worker'] }] }, labels),
    );
    assert.ok(selects({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels));
    assert.ok(!selects({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels));
    assert.ok(!selects(undefined, labels));
  });

  it('expands $(VAR) as Kubernetes does, and refuses an undefined one', () => {
    assert.equal(expand('--x=$(A) $$(A) $$', { A: '1' }, 'w'), '--x=1 $(A) $');
    assert.throws(() => expand('$(B)', { A: '1' }, 'w'), /\$\(B\) refers to no variable/);
  });

  it('reads resource quantities', () => {
    assert.equal(quantity('500m'), 0.5);
    assert.equal(quantity('2'), 2);
    assert.equal(quantity('512Mi'), 512 * 2 ** 20);
    assert.equal(quantity('2Gi'), 2 ** 31);
    assert.throws(() => quantity('2 cores'), /unsupported quantity/);
  });

  it('.dockerignore: the last matching rule wins, and a folder takes its contents with it', () => {
    const r = readDockerignore('# c\n*\n!src\nsrc/secret\n**/*.map\n');
    assert.ok(inContext(r, 'src/a.ts'));
    assert.ok(!inContext(r, 'src/secret/k'));
    assert.ok(!inContext(r, 'src/a.js.map'));
    assert.ok(!inContext(r, 'dist/a.js'));
  });

  it('reads Dockerfile stages with continuation lines and comments', () => {
    const s = parseDockerfile('# syntax=x\nFROM a AS b\nRUN x \\\n  && y\n# c\nFROM c\nUSER 1\n');
    assert.deepEqual(
      s.map((x) => [x.image, x.name, x.instructions.map((i) => `${i.keyword} ${i.args}`)]),
      [
        ['a', 'b', ['RUN x && y']],
        ['c', undefined, ['USER 1']],
      ],
    );
  });
});
