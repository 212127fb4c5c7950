import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type GossFormat, renderGoss } from '../../src/report/goss/index.js';
import { loadSuite } from '../../src/suite/load.js';
import { runSuites } from '../../src/suite/run.js';
import type { Transport } from '../../src/suite/transport.js';

/**
 * goss's own golden outputs (its testdata/ at tag v0.4.10): each suite is run and rendered as
 * goss's matcher_test.go does (`-o sort -o pretty`), then compared byte for byte after goss's own
 * sanitising (durations and trailing spaces removed), exit code included. goss's files stay out
 * of this repository: point IMAGEGATE_GOSS_REPO at a checkout, or IMAGEGATE_GOSS_TESTDATA at its
 * testdata/ (see docs/goss-compatibility.md).
 */
const dir =
  process.env.IMAGEGATE_GOSS_TESTDATA ??
  (process.env.IMAGEGATE_GOSS_REPO ? `${process.env.IMAGEGATE_GOSS_REPO}/testdata` : '');
if (!dir || !existsSync(dir))
  throw new Error(
    'IMAGEGATE_GOSS_REPO must name a checkout of goss v0.4.10 (or IMAGEGATE_GOSS_TESTDATA its testdata/): ' +
      'git clone --depth 1 -b v0.4.10 https://github.com/goss-org/goss /tmp/goss && ' +
      'IMAGEGATE_GOSS_REPO=/tmp/goss npm run test:corpus',
  );
const goldens = readdirSync(dir)
  .filter((f) => f.startsWith('out_'))
  .sort();

/** `matching` needs no target: a transport that must never be called. */
const nowhere: Transport = {
  exec: () => Promise.reject(new Error('matching suites collect nothing')),
  close: async () => {},
  describe: () => 'nowhere',
};

const sanitize = (s: string) => s.replace(/\d\.\d\d\ds/g, '').replace(/ +\n/g, '\n');

async function render(golden: string): Promise<{ text: string; code: number }> {
  const [name, , format] = golden.slice('out_'.length).split('.') as [string, string, GossFormat];
  const suite = await loadSuite(`${dir}/${name}.yaml`);
  const { run } = await runSuites([suite], nowhere);
  const out = renderGoss(format, run, { sort: true, pretty: true, color: false });
  return { text: out.text, code: out.exitCode };
}

describe('goss v0.4.10 goldens, byte for byte', () => {
  const check = async (golden: string) => {
    const want = sanitize(readFileSync(`${dir}/${golden}`, 'utf8'));
    const got = await render(golden);
    expect(sanitize(got.text)).toBe(want);
    expect(got.code).toBe(Number(golden.split('.')[1]));
  };
  it('finds all 16 goldens', () => expect(goldens).toHaveLength(16));
  it.each(goldens)('%s', check);
});
