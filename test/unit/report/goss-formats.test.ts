import { describe, expect, it } from 'vitest';
import { GOSS_FORMATS, renderGoss } from '../../../src/report/goss/index.js';
import { evaluateMatcher } from '../../../src/suite/matchers/index.js';
import type { SuiteRun, TestResult } from '../../../src/suite/result.js';
import { summaryLine } from '../../../src/suite/summary-line.js';

/** A result built the way the runner builds one: evaluateMatcher + summaryLine. */
function result(
  type: string,
  id: string,
  property: string,
  expected: unknown,
  actual: unknown,
  extra: Partial<TestResult> = {},
): TestResult {
  const skip = extra.skipped === true;
  const out = evaluateMatcher(expected, actual);
  const code: 0 | 1 | 2 = skip ? 2 : out.ok ? 0 : 1;
  return {
    'resource-id': id,
    'resource-type': type,
    title: '',
    meta: null,
    property,
    result: code,
    successful: code === 0,
    skipped: skip,
    err: out.error ?? null,
    'matcher-result': skip ? { message: '' } : out.result,
    'summary-line': summaryLine(type, id, property, skip ? 'skip' : out),
    duration: 1_500_000,
    'start-time': '2026-01-01T00:00:00Z',
    'end-time': '2026-01-01T00:00:00.0015Z',
    ...extra,
  };
}

function run(results: TestResult[]): SuiteRun {
  const failed = results.filter((r) => r.result === 1).length;
  const skipped = results.filter((r) => r.result === 2).length;
  return {
    results,
    summary: {
      'test-count': results.length,
      'failed-count': failed,
      'skipped-count': skipped,
      'total-duration': 123_456_789,
      'summary-line': '',
    },
  };
}

const passwd = { title: 'passwd', meta: { owner: 'sec', id: 7 } };
const mixed = run([
  result('File', '/etc/passwd', 'exists', true, true, passwd),
  result('File', '/etc/passwd', 'mode', '0644', '0600', passwd),
  result('KernelParam', 'net.core.somaxconn', 'value', { gt: 200 }, '128'),
  result('User', 'nobody', 'exists', true, true, { skipped: true }),
  result('Command', 'echo', 'exit-status', { gt: 1 }, 'oops'),
]);
const allPass = run([result('User', 'root', 'exists', true, true), result('Group', 'root', 'gid', 0, 0)]);

describe('summaryLine', () => {
  it("uses goss's wording for pass, fail and skip", () => {
    expect(summaryLine('file', '/etc/passwd', 'exists', evaluateMatcher(true, true))).toBe(
      'File: /etc/passwd: exists: matches expectation: true',
    );
    expect(summaryLine('kernel-param', 'vm.swappiness', 'value', 'skip')).toBe(
      'KernelParam: vm.swappiness: value: skipped',
    );
    expect(summaryLine('file', '/etc/passwd', 'mode', evaluateMatcher('0644', '0600'))).toBe(
      'File: /etc/passwd: mode:\nExpected\n    "0600"\nto equal\n    "0644"\ndiff\n    --- test\n    +++ actual\n    @@ -1 +1 @@\n    -0644\n    +0600',
    );
  });
});

describe('rspecish (default)', () => {
  it('dots, F and S, then failures with title/meta, then counts; exit 1', () => {
    const { text, exitCode } = renderGoss('rspecish', mixed, {});
    const lines = text.split('\n');
    expect(lines[0]).toBe('.FFSF');
    expect(text).toContain(
      'Failures/Skipped:\n\nTitle: passwd\nMeta:\n    id: 7\n    owner: sec\nFile: /etc/passwd: mode:\nExpected\n    "0600"\nto equal\n    "0644"\ndiff\n    --- test\n    +++ actual\n    @@ -1 +1 @@\n    -0644\n    +0600\n\n',
    );
    expect(text).toContain('the raw value was\n    "128"');
    expect(text).toContain('User: nobody: exists: skipped');
    expect(text).toContain(
      'Command: echo: exit-status:\nError\n    matchers.ToNumeric{}: strconv.ParseFloat',
    );
    expect(text.endsWith('Total Duration: 0.123s\nCount: 5, Failed: 3, Skipped: 1\n')).toBe(true);
    expect(exitCode).toBe(1);
  });

  it('exclude_raw drops the raw value; colour only when asked', () => {
    expect(renderGoss('rspecish', mixed, { excludeRaw: true }).text).not.toContain('the raw value was');
    expect(renderGoss('rspecish', mixed, {}).text).not.toContain('\u001b[');
    expect(renderGoss('rspecish', mixed, { color: true }).text).toContain('\u001b[31mF\u001b[0m');
  });

  it('exit 0 when everything passed', () => {
    const { text, exitCode } = renderGoss('rspecish', allPass, {});
    expect(text.startsWith('..\n\nTotal Duration')).toBe(true);
    expect(exitCode).toBe(0);
  });
});

describe('documentation', () => {
  it('prints every summary line, grouped under title/meta, then the failure section', () => {
    const { text, exitCode } = renderGoss('documentation', mixed, {});
    expect(
      text.startsWith(
        'Title: passwd\nMeta:\n    id: 7\n    owner: sec\nFile: /etc/passwd: exists: matches expectation: true\n',
      ),
    ).toBe(true);
    expect(text).toContain(
      'KernelParam: net.core.somaxconn: value:\nExpected\n    128\nto be numerically gt\n    200',
    );
    expect(text).toContain('Failures/Skipped:');
    expect(exitCode).toBe(1);
  });
});

describe('json', () => {
  it('goss v0.4 shape: results with summary-line, summary with counts and duration', () => {
    const { text, exitCode } = renderGoss('json', mixed, {});
    expect(text.trim().split('\n')).toHaveLength(1);
    const doc = JSON.parse(text) as { results: TestResult[]; summary: Record<string, unknown> };
    expect(doc.summary).toEqual({
      'failed-count': 3,
      'skipped-count': 1,
      'summary-line': 'Count: 5, Failed: 3, Skipped: 1, Duration: 0.123s',
      'test-count': 5,
      'total-duration': 123_456_789,
    });
    expect(doc.results).toHaveLength(5);
    const mode = doc.results[1]!;
    expect(mode).toMatchObject({
      'resource-id': '/etc/passwd',
      'resource-type': 'File',
      property: 'mode',
      result: 1,
      successful: false,
      skipped: false,
      err: null,
      'matcher-result': { message: 'to equal', actual: '0600', expected: '0644' },
    });
    expect(mode['summary-line']).toBe(
      'File: /etc/passwd: mode:\nExpected\n    "0600"\nto equal\n    "0644"\ndiff\n    --- test\n    +++ actual\n    @@ -1 +1 @@\n    -0644\n    +0600',
    );
    expect(doc.results[4]!.err).toMatch(/^matchers.ToNumeric\{\}: /);
    expect(exitCode).toBe(1);
  });

  it('pretty indents; exclude_raw shortens the summary lines only, as goss does', () => {
    const pretty = renderGoss('json', mixed, { pretty: true, excludeRaw: true }).text;
    expect(pretty.split('\n').length).toBeGreaterThan(20);
    expect(pretty).toContain('\n    "results": [');
    const doc = JSON.parse(pretty) as { results: TestResult[] };
    const gt = doc.results[2]!;
    expect(gt['matcher-result']['untransformed-value']).toBe('128');
    expect(gt['matcher-result']['transform-chain']).toEqual([{ 'to-numeric': {} }]);
    expect(gt['summary-line']).not.toContain('the raw value was');
  });

  it("is goss's Go map: sorted keys, every matcher-result field, HTML escaped, a compact line", () => {
    const text = renderGoss('json', run([result('File', '/a&b', 'mode', '<x>', 'y')]), {}).text;
    const first = text.slice(text.indexOf('[{') + 2);
    expect(first.startsWith('"duration":1500000,"end-time":')).toBe(true);
    expect(text).toContain(
      '"matcher-result":{"actual":"y","expected":"\\u003cx\\u003e","extra-elements":null,"found-elements":null,"message":"to equal","missing-elements":null,"transform-chain":null,"untransformed-value":null}',
    );
    expect(text).toContain('"resource-id":"/a\\u0026b"');
    expect(text).toContain(
      '"summary-line-compact":"File: /a\\u0026b: mode: Expected \\"y\\" to equal \\"\\u003cx\\u003e\\""',
    );
  });

  it('sort orders by resource type and id', () => {
    const doc = JSON.parse(renderGoss('json', mixed, { sort: true }).text) as { results: TestResult[] };
    expect(doc.results.map((r) => r['resource-type'])).toEqual([
      'Command',
      'File',
      'File',
      'KernelParam',
      'User',
    ]);
  });
});

describe('structured', () => {
  it('results with summary lines, a summary object and a top-level summary line', () => {
    const { text, exitCode } = renderGoss('structured', mixed, {});
    const doc = JSON.parse(text) as {
      results: TestResult[];
      summary: Record<string, number>;
      'summary-line': string;
    };
    // goss v0.4.10's StructureTestSummary has no skipped count.
    expect(Object.entries(doc.summary)).toEqual([
      ['test-count', 5],
      ['failed-count', 3],
      ['total-duration', 123_456_789],
    ]);
    expect(doc['summary-line']).toBe('Count: 5, Failed: 3, Duration: 0.123s');
    expect(Object.keys(doc.results[1]!)).toEqual([
      'successful',
      'skipped',
      'resource-id',
      'resource-type',
      'property',
      'title',
      'meta',
      'result',
      'err',
      'matcher-result',
      'start-time',
      'end-time',
      'duration',
      'summary-line',
      'summary-line-compact',
    ]);
    // goss never sets it in this format.
    expect(doc.results.map((r) => r.successful)).toEqual([false, false, false, false, false]);
    expect(Object.keys(doc.results[0]!.meta!)).toEqual(['id', 'owner']);
    expect(doc.results[1]!['summary-line']).toBe(
      'File: /etc/passwd: mode:\nExpected\n    "0600"\nto equal\n    "0644"\ndiff\n    --- test\n    +++ actual\n    @@ -1 +1 @@\n    -0644\n    +0600',
    );
    expect(renderGoss('structured', mixed, { pretty: true }).text).toContain('\n  "results": [');
    // goss's structured outputer returns 0 whatever the outcome.
    expect(exitCode).toBe(0);
  });
});

describe('tap', () => {
  it('plan line, ok / not ok / # SKIP, one line each', () => {
    const { text, exitCode } = renderGoss('tap', mixed, {});
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('1..5');
    expect(lines[1]).toBe('ok 1 - File: /etc/passwd: exists: matches expectation: true');
    expect(lines[2]).toBe('not ok 2 - File: /etc/passwd: mode: Expected "0600" to equal "0644"');
    expect(lines[4]).toBe('ok 4 - # SKIP User: nobody: exists: skipped');
    expect(lines).toHaveLength(6);
    expect(exitCode).toBe(1);
  });
});

describe('junit', () => {
  it('one testsuite, a testcase per result, failures and skips marked, XML escaped', () => {
    const withXml = run([
      ...mixed.results,
      result('Command', 'a<b', 'stdout', ['x&y'], { kind: 'lines', lines: ['q'] }),
    ]);
    const { text, exitCode } = renderGoss('junit', withXml, {});
    expect(
      text.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="goss" errors="0" tests="6" failures="4" skipped="1" time="0.123" timestamp="',
      ),
    ).toBe(true);
    expect(text.match(/<testcase /g)).toHaveLength(6);
    expect(text.match(/<failure>/g)).toHaveLength(4);
    expect(text).toContain('<testcase name="File /etc/passwd mode" time="0.002">');
    expect(text).toContain('<skipped/><system-out>User: nobody: exists: skipped</system-out>');
    expect(text).toContain('name="Command a&lt;b stdout"');
    // Go's xml.EscapeText: quotes as numeric references, newlines too, control bytes as U+FFFD.
    expect(text).toContain('[&#34;x&amp;y&#34;]');
    const odd = renderGoss('junit', run([result('Command', "it's\t\u0001", 'exit-status', 0, 0)]), {}).text;
    expect(odd).toContain('<testcase name="Command it&#39;s&#x9;\uFFFD exit-status"');
    expect(text.trimEnd().endsWith('</testsuite>')).toBe(true);
    expect(exitCode).toBe(1);
  });
});

describe('nagios', () => {
  it('CRITICAL exits 2; verbose numbers the failures; perfdata appends counts; OK exits 0', () => {
    const crit = renderGoss('nagios', mixed, { verbose: true });
    expect(crit.exitCode).toBe(2);
    const lines = crit.text.trimEnd().split('\n');
    expect(lines[0]).toBe('GOSS CRITICAL - Count: 5, Failed: 3, Skipped: 1, Duration: 0.123s');
    expect(lines.slice(1).map((l) => l.slice(0, 9))).toEqual(['Fail 1 - ', 'Fail 2 - ', 'Fail 3 - ']);
    expect(lines[1]).toBe('Fail 1 - File: /etc/passwd: mode: Expected "0600" to equal "0644"');
    expect(renderGoss('nagios', mixed, {}).text.trimEnd().split('\n')).toHaveLength(1);
    expect(renderGoss('nagios', mixed, { perfdata: true }).text).toBe(
      'GOSS CRITICAL - Count: 5, Failed: 3, Skipped: 1, Duration: 0.123s|total=5 failed=3 skipped=1 duration=0.123s\n',
    );
    const ok = renderGoss('nagios', allPass, { verbose: true });
    expect(ok).toEqual({
      text: 'GOSS OK - Count: 2, Failed: 0, Skipped: 0, Duration: 0.123s\n',
      exitCode: 0,
    });
  });
});

describe('prometheus', () => {
  it("goss v0.4's metrics: outcomes and durations (ms) by type, the run's overall outcome; exit 0", () => {
    const slow = run([
      result('File', '/a', 'exists', true, true, { duration: 12_900_000 }),
      result('File', '/b', 'exists', true, false, { duration: 2_100_000 }),
      result('File', '/c', 'exists', true, true, { duration: 1_000_000 }),
      result('User', 'nobody', 'exists', true, true, { skipped: true }),
    ]);
    const { text, exitCode } = renderGoss('prometheus', slow, {});
    expect(exitCode).toBe(0);
    expect(text).toContain('# TYPE goss_tests_outcomes_total counter');
    expect(text).toContain('goss_tests_outcomes_total{outcome="pass",type="file"} 2');
    expect(text).toContain('goss_tests_outcomes_total{outcome="fail",type="file"} 1');
    expect(text).toContain('goss_tests_outcomes_total{outcome="skip",type="user"} 1');
    expect(text).toContain('goss_tests_outcomes_duration_milliseconds{outcome="pass",type="file"} 13');
    expect(text).toContain('goss_tests_run_outcomes_total{outcome="fail"} 1');
    expect(text).toContain('goss_tests_run_duration_milliseconds{outcome="fail"} 123');
    for (const line of text.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) \S+ .+|[a-z_]+\{[^}]*\} [0-9.e-]+)$/);
    }
  });

  it('the run is "pass" when nothing failed; verbose adds resource_id', () => {
    const { text } = renderGoss('prometheus', allPass, { verbose: true });
    expect(text).toContain('goss_tests_run_outcomes_total{outcome="pass"} 1');
    expect(text).toContain('goss_tests_outcomes_total{outcome="pass",resource_id="root",type="group"} 1');
  });
});

describe('silent and the format list', () => {
  it('silent prints nothing but keeps the exit code', () => {
    expect(renderGoss('silent', mixed, {})).toEqual({ text: '', exitCode: 1 });
    expect(renderGoss('silent', allPass, {})).toEqual({ text: '', exitCode: 0 });
  });

  it('lists every goss format, rspecish first', () => {
    expect(GOSS_FORMATS[0]).toBe('rspecish');
    expect([...GOSS_FORMATS].sort()).toEqual(
      [
        'documentation',
        'json',
        'junit',
        'nagios',
        'prometheus',
        'rspecish',
        'silent',
        'structured',
        'tap',
      ].sort(),
    );
  });
});
