import { strict as assert } from 'node:assert';
import { createLogger, parseLogFormat } from '../../../src/shared/log';

function capture(format: 'json' | 'text', minLevel: 'debug' | 'info' = 'info') {
  const lines: string[] = [];
  return { lines, log: createLogger('coordinator', (l) => lines.push(l), minLevel, format) };
}

describe('logger formats', () => {
  it('json: one object per line with ts, level, component, msg and the fields as keys', () => {
    const { lines, log } = capture('json');
    log('info', 'worker registered', { workerId: 'w1', workers: 2 });
    log('warn', 'lease expired', { task: 'j/s3/1' });
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), JSON.stringify(line));
    }
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.deepEqual(Object.keys(first).slice(0, 4), ['ts', 'level', 'component', 'msg']);
    assert.equal(first.level, 'info');
    assert.equal(first.component, 'coordinator');
    assert.equal(first.msg, 'worker registered');
    assert.equal(first.workerId, 'w1');
    assert.equal(first.workers, 2);
    assert.ok(Math.abs(Date.parse(String(first.ts)) - Date.now()) < 60_000, String(first.ts));
    assert.equal((JSON.parse(lines[1]) as { level: string }).level, 'warn');
  });

  it('json: a field named like a core key does not overwrite it; errors show their message', () => {
    const { lines, log } = capture('json');
    log('error', 'failed', { msg: 'inner', level: 'x', error: new Error('disk full') });
    const l = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.equal(l.msg, 'failed');
    assert.equal(l.level, 'error');
    assert.equal(l['field.msg'], 'inner');
    assert.equal(l['field.level'], 'x');
    assert.equal(l.error, 'disk full');
  });

  it('filters below the minimum level in both formats', () => {
    for (const format of ['json', 'text'] as const) {
      const { lines, log } = capture(format);
      log('debug', 'noise');
      log('info', 'kept');
      assert.equal(lines.length, 1, format);
      assert.ok(lines[0].includes('kept'));
    }
  });

  it('text: a readable line with the level, component, message and key=value fields', () => {
    const { lines, log } = capture('text', 'debug');
    log('debug', 'shard result received', { workerId: 'w 1', step: 3, task: { a: 1 } });
    assert.match(
      lines[0],
      /^\d{4}-\d\d-\d\dT[\d:.]+Z DEBUG coordinator: shard result received workerId="w 1" step=3 task=\{"a":1\}\n$/,
    );
  });

  it('parseLogFormat names the valid formats and the source', () => {
    assert.equal(parseLogFormat('text', '--log-format'), 'text');
    assert.throws(
      () => parseLogFormat('xml', '--log-format'),
      /--log-format: unknown log format "xml"; use json or text/,
    );
  });
});
