import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildCollector, type CollectItem, parseCollected } from '../../../src/suite/collector.js';
import { MAX_OUTPUT_BYTES } from '../../../src/suite/limits.js';
import { RESOURCES } from '../../../src/suite/resources/index.js';
import { evaluateResource } from '../../../src/suite/run.js';
import { collectItem } from '../../helpers/collect-item.js';

const item = collectItem;

/** Runs the real collector in a local sh: the cap is applied on the target, not after transfer. */
function run(items: CollectItem[]) {
  const c = buildCollector(items);
  const stdout = execFileSync('sh', ['-s'], { input: c.script, encoding: 'utf8', maxBuffer: 64 << 20 });
  const frames = parseCollected(stdout, c);
  return {
    stdout,
    results: items.map((it) =>
      evaluateResource(it.spec, RESOURCES[it.spec.type].facts(it.spec, it.id, frames)),
    ),
  };
}

describe('collected output per check is capped', () => {
  it('an endless file and a flooding command fail their checks; the others are read whole', () => {
    const big = MAX_OUTPUT_BYTES + 1000;
    const { stdout, results } = run([
      item('zc', 'file', '/dev/zero', { exists: true, contents: { 'have-len': 1 } }),
      item('flood', 'command', `head -c ${big} /dev/zero | tr '\\0' x; echo done >&2`, {
        'exit-status': 0,
        stdout: [],
        stderr: ['done'],
      }),
      item('small', 'command', 'printf "a\\nb\\n"; echo oops >&2; exit 3', {
        'exit-status': 3,
        stdout: ['a', 'b'],
        stderr: ['oops'],
      }),
    ]);
    // Two capped outputs in base64 (4/3, plus line breaks), not what the target tried to send.
    expect(stdout.length).toBeLessThan(2.8 * MAX_OUTPUT_BYTES);
    const [zc, flood, small] = results;
    expect(zc!.find((r) => r.property === 'contents')).toMatchObject({
      result: 1,
      err: expect.stringMatching(
        /contents of \/dev\/zero is larger than imagegate's limit of 4194304 bytes per check/,
      ),
    });
    expect(flood!.map((r) => [r.property, r.result])).toEqual([
      ['exit-status', 1],
      ['stderr', 0],
    ]);
    expect(flood![0]!.err).toMatch(/stdout is larger than imagegate's limit/);
    expect(small!.map((r) => [r.property, r.result])).toEqual([
      ['exit-status', 0],
      ['stdout', 0],
      ['stderr', 0],
    ]);
  }, 60_000);
});
