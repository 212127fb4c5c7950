// Compliance report costs at release scale: 50 artifacts, each with 2 suites of 150 checks
// (15,000 checks, ~4% failing), 200 lint findings, 300 promotion records and 25 controls.
// Measures reading + integrity checking, the pure model, each renderer and output sizes.
// Run: npm run build && node bench/report.mjs
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sealVerdict, writeVerdict } from '../dist/evidence/seal.js';
import { buildReportModel } from '../dist/report/compliance/assemble.js';
import { renderHtml } from '../dist/report/compliance/html.js';
import { renderJson } from '../dist/report/compliance/json.js';
import { renderJunit } from '../dist/report/compliance/junit.js';
import { loadInputs } from '../dist/report/compliance/load.js';
import { renderMarkdown } from '../dist/report/compliance/markdown.js';

const ARTIFACTS = 50;
const CHECKS = 150;
const dir = mkdtempSync(join(tmpdir(), 'ig-report-bench-'));
const TYPES = ['File', 'Package', 'Service', 'Port', 'Command', 'User'];

function result(a, s, i) {
  const fail = (a * 7 + s * 3 + i) % 25 === 0;
  const type = TYPES[i % TYPES.length];
  const id = `/etc/bench/${s}/${Math.floor(i / 3)}`;
  return {
    'resource-id': id,
    'resource-type': type,
    title: '',
    meta: i % 10 === 0 ? { cis: `${1 + (i % 5)}.${i % 7}` } : null,
    property: ['exists', 'mode', 'owner'][i % 3],
    result: fail ? 1 : 0,
    successful: !fail,
    skipped: false,
    err: null,
    'matcher-result': { message: 'equal', expected: '0644', actual: fail ? '0666' : '0644' },
    'summary-line': `${type}: ${id}: mode: matches expectation: "0644"`,
    duration: 2_000_000,
    'start-time': '2026-11-28T00:00:00Z',
    'end-time': '2026-11-28T00:00:00Z',
  };
}

const promotions = [];
for (let a = 0; a < ARTIFACTS; a++) {
  const suites = [0, 1].map((s) => {
    const results = Array.from({ length: CHECKS }, (_, i) => result(a, s, i));
    const failed = results.filter((r) => r.result === 1).length;
    return {
      name: `goss/suite-${s}.yaml`,
      digest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      run: {
        results,
        summary: {
          'test-count': CHECKS,
          'failed-count': failed,
          'skipped-count': 0,
          'total-duration': CHECKS * 2_000_000,
          'summary-line': '',
        },
      },
    };
  });
  const id = `ami-${String(a).padStart(17, '0')}`;
  writeVerdict(
    join(dir, 'verdicts'),
    sealVerdict({
      schema: 'imagegate.verdict/v1',
      artifact: { kind: 'ami', id, region: 'eu-west-1', reference: `image-${a}` },
      template: { path: `packer/image-${a}.pkr.hcl`, digest: 'x' },
      git: { sha: '8c41f0e2b7d94a1c5e3f6a8b0d2c4e6f8a1b3c5d', dirty: false },
      suites,
      target: { kind: 'ec2' },
      timings: { startedAt: '2026-11-28T00:00:00Z', finishedAt: '2026-11-28T00:03:00Z' },
      passed: suites.every((s) => s.run.summary['failed-count'] === 0),
      promotions: [],
      tool: { name: 'imagegate', version: 'bench' },
    }),
  );
  for (let p = 0; p < 6; p++) {
    promotions.push(
      JSON.stringify({
        artifact: id,
        stage: `stage-${p}`,
        at: `2026-11-28T0${p}:00:00Z`,
        status: 'promoted',
      }),
    );
  }
}
const findings = Array.from({ length: 200 }, (_, i) => ({
  policy: `policy-${i % 12}`,
  severity: ['error', 'warning', 'info'][i % 3],
  message: `finding ${i}`,
  file: `packer/image-${i % ARTIFACTS}.pkr.hcl`,
  line: i + 1,
  column: 1,
}));
writeFileSync(join(dir, 'lint.json'), JSON.stringify({ findings }));
writeFileSync(join(dir, 'promotions.jsonl'), `${promotions.join('\n')}\n`);
const controls = Object.fromEntries(
  Array.from({ length: 20 }, (_, i) => [`ORG-${i}`, [`file:/etc/bench/${i % 2}/*#mode`, `policy-${i % 12}`]]),
);

function time(label, n, fn) {
  let out;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) out = fn();
  console.log(`${label.padEnd(48)} ${((performance.now() - t0) / n).toFixed(1)} ms`);
  return out;
}

const inputs = time('read + verify 50 verdicts, lint, promotions', 3, () =>
  loadInputs({
    verdictPaths: [join(dir, 'verdicts')],
    lintFiles: [join(dir, 'lint.json')],
    promotionFiles: [join(dir, 'promotions.jsonl')],
    pruneFiles: [],
    policyDirs: [{ dir: new URL('../policies', import.meta.url).pathname, explicit: false }],
    controls,
  }),
);
const model = time('buildReportModel (15,000 checks, 25 controls)', 5, () =>
  buildReportModel(inputs, { title: 'bench', generatedAt: '2026-11-28T00:00:00Z', toolVersion: 'bench' }),
);
for (const [name, render] of [
  ['html', renderHtml],
  ['markdown', renderMarkdown],
  ['json', renderJson],
  ['junit', renderJunit],
]) {
  const text = time(`render ${name}`, 5, () => render(model));
  console.log(`${`  ${name} size`.padEnd(48)} ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB`);
}
console.log(`controls: ${model.controls.length}, checks: ${JSON.stringify(model.summary.checks)}`);
