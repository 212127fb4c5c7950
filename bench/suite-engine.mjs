// Pure suite-engine costs for a 200-check suite: load (template + YAML + schema + matcher
// compile), matcher evaluation and goss output rendering. Run: npm run build && node bench/suite-engine.mjs
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderGoss } from '../dist/report/goss/index.js';
import { loadSuite } from '../dist/suite/load.js';
import { evaluateMatcher } from '../dist/suite/matchers/index.js';
import { summaryLine } from '../dist/suite/summary-line.js';

const dir = mkdtempSync(join(tmpdir(), 'ig-bench-'));
const files = Array.from({ length: 100 }, (_, i) => `/etc/bench/file-${i}`);
writeFileSync(join(dir, 'vars.yaml'), `files:\n${files.map((f) => `  - ${f}`).join('\n')}\n`);
// 100 files x 2 attributes = 200 checks, produced by a template loop.
writeFileSync(
  join(dir, 'goss.yaml'),
  'file:\n{{- range .Vars.files }}\n  {{ . }}:\n    exists: true\n    contents: ["root", "!/^toor:/", {and: []}]\n{{- end }}\n'.replace(
    ', {and: []}',
    '',
  ),
);

function time(label, n, fn) {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  const ms = (performance.now() - t0) / n;
  console.log(`${label.padEnd(46)} ${ms.toFixed(3)} ms`);
  return ms;
}

let suite;
const t0 = performance.now();
suite = await loadSuite(join(dir, 'goss.yaml'), { vars: [join(dir, 'vars.yaml')] });
console.log(
  `${'loadSuite, first call (compiles the schema)'.padEnd(46)} ${(performance.now() - t0).toFixed(3)} ms`,
);
const loads = 20;
const t1 = performance.now();
for (let i = 0; i < loads; i++)
  suite = await loadSuite(join(dir, 'goss.yaml'), { vars: [join(dir, 'vars.yaml')] });
console.log(
  `${'loadSuite, 200 checks (templated)'.padEnd(46)} ${((performance.now() - t1) / loads).toFixed(3)} ms`,
);

const content = { kind: 'lines', lines: Array.from({ length: 200 }, (_, i) => `line ${i} root:x:0:0`) };
const results = [];
time('evaluate 200 checks (bool + 3 line patterns)', 50, () => {
  results.length = 0;
  for (const r of suite.resources) {
    for (const [prop, expected] of Object.entries(r.attrs)) {
      const fact = prop === 'exists' ? true : content;
      const out = evaluateMatcher(expected, fact);
      results.push({
        'resource-id': r.key,
        'resource-type': 'File',
        title: '',
        meta: null,
        property: prop,
        result: out.ok ? 0 : 1,
        successful: out.ok,
        skipped: false,
        err: out.error ?? null,
        'matcher-result': out.result,
        'summary-line': summaryLine('file', r.key, prop, out),
        duration: 1000,
        'start-time': '',
        'end-time': '',
      });
    }
  }
});
const run = {
  results,
  summary: {
    'test-count': results.length,
    'failed-count': 0,
    'skipped-count': 0,
    'total-duration': 1,
    'summary-line': '',
  },
};
time('evaluate semver-constraint over 50 versions', 200, () =>
  evaluateMatcher(
    { 'semver-constraint': '>1.0.0 <2.0.0 !=1.5.0 || >=3.0.0' },
    Array.from({ length: 50 }, (_, i) => `1.${i}.0`),
  ),
);
time('evaluate gjson (3 paths)', 500, () =>
  evaluateMatcher({ gjson: { 'a.b': 'x', 'l.#': 3, 'l.1': { gt: 1 } } }, '{"a":{"b":"x"},"l":[1,2,3]}'),
);
for (const f of ['rspecish', 'json', 'junit', 'tap'])
  time(`renderGoss ${f}, ${results.length} results`, 50, () => renderGoss(f, run, {}));
