import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LintRun, lintPaths } from '../../../src/lint/run.js';
import { formatGithub } from '../../../src/report/lint/github.js';
import { formatGitlab } from '../../../src/report/lint/gitlab.js';
import { formatJson } from '../../../src/report/lint/json.js';
import { formatJunit } from '../../../src/report/lint/junit.js';
import { formatSarif } from '../../../src/report/lint/sarif.js';
import { formatText } from '../../../src/report/lint/text.js';

let run: LintRun;
beforeAll(async () => {
  // Two templates: one full of findings, one clean.
  run = await lintPaths(['test/fixtures/lint/footguns', 'test/fixtures/lint/hardened']);
});

describe('json', () => {
  it('has exactly the documented finding keys and the summary', () => {
    const doc = JSON.parse(formatJson(run)) as {
      findings: Record<string, unknown>[];
      summary: Record<string, unknown>;
    };
    expect(doc.findings.length).toBe(run.findings.length);
    for (const f of doc.findings) {
      expect(Object.keys(f)).toEqual([
        'policy',
        'severity',
        'message',
        'file',
        'line',
        'column',
        'endLine',
        'endColumn',
      ]);
    }
    expect(doc.summary).toMatchObject({ templates: 2, policies: 22, exitCode: 1, failOn: 'error' });
  });
});

describe('sarif', () => {
  it('is SARIF 2.1.0 with a rule per policy carrying help text, and located results', () => {
    const doc = JSON.parse(formatSarif(run, { version: '9.9.9', cwd: process.cwd() }));
    expect(doc.version).toBe('2.1.0');
    const driver = doc.runs[0].tool.driver;
    expect(driver).toMatchObject({ name: 'imagegate', version: '9.9.9' });
    expect(driver.rules).toHaveLength(22);
    const rule = driver.rules.find((r: { id: string }) => r.id === 'cleanup-missing');
    expect(rule.help.text).toContain('Remediation:');
    expect(rule.help.text).toContain('authorized_keys');
    expect(rule.helpUri).toMatch(/^https:\/\//);
    const results = doc.runs[0].results as {
      ruleId: string;
      ruleIndex: number;
      level: string;
      locations: {
        physicalLocation: { artifactLocation: { uri: string }; region: Record<string, number> };
      }[];
    }[];
    expect(results).toHaveLength(run.findings.length);
    const root = results.find((r) => r.ruleId === 'ssh-username-root')!;
    expect(driver.rules[root.ruleIndex].id).toBe('ssh-username-root');
    expect(root.level).toBe('error');
    expect(root.locations[0]!.physicalLocation.artifactLocation.uri).toBe(
      'test/fixtures/lint/footguns/footguns.pkr.hcl',
    );
    expect(root.locations[0]!.physicalLocation.region).toMatchObject({ startLine: 7, startColumn: 19 });
    expect(results.find((r) => r.ruleId === 'manifest-missing')!.level).toBe('warning');
  });
});

describe('junit', () => {
  it('has one testcase per template × policy, failing where the policy found something', () => {
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(formatJunit(run));
    const suites = xml.testsuites.testsuite as {
      name: string;
      tests: string;
      failures: string;
      testcase: { name: string; failure?: unknown }[];
    }[];
    expect(suites.map((s) => s.name)).toEqual(['test/fixtures/lint/footguns', 'test/fixtures/lint/hardened']);
    expect(suites.map((s) => s.testcase.length)).toEqual([22, 22]);
    const failing = suites[0]!.testcase.filter((c) => c.failure !== undefined).map((c) => c.name);
    expect(failing).toEqual([...new Set(run.findings.map((f) => f.policy))].sort());
    expect(suites[1]!.failures).toBe('0');
    expect(xml.testsuites.tests).toBe('44');
  });
});

describe('github', () => {
  it('writes one workflow command per finding with escaped properties and message', () => {
    const lines = formatGithub({
      ...run,
      findings: [
        {
          policy: 'p',
          severity: 'info',
          message: '100% sure,\nreally',
          file: 'a,b:c.pkr.hcl',
          line: 3,
          column: 4,
          endLine: 3,
          endColumn: 9,
        },
      ],
    });
    expect(lines).toBe(
      '::notice file=a%2Cb%3Ac.pkr.hcl,line=3,col=4,endLine=3,endColumn=9,title=p::100%25 sure,%0Areally\n',
    );
    const real = formatGithub(run).trimEnd().split('\n');
    expect(real).toHaveLength(run.findings.length);
    expect(real.filter((l) => l.startsWith('::error ')).length).toBe(run.summary.errors);
  });
});

describe('text', () => {
  it('prints file:line:col severity policy message and a summary line', () => {
    const out = formatText(run, { color: false, frames: false, quiet: false }).trimEnd().split('\n');
    expect(out[0]).toMatch(
      /^test\/fixtures\/lint\/footguns\/footguns\.pkr\.hcl:\d+:\d+ (error|warning|info) [a-z-]+ .+/,
    );
    expect(out.at(-1)).toBe(
      `failed (fail-on error): ${run.summary.findings} findings (${run.summary.errors} errors, ${run.summary.warnings} warnings, 0 info) in 2 templates, 22 policies`,
    );
    expect(formatText(run, { color: false, frames: false, quiet: true }).split('\n')).toHaveLength(
      run.findings.length + 1,
    );
  });

  it('code frames point at the span, and never show a line that holds a secret', () => {
    const out = formatText(run, { color: false, frames: true, quiet: true });
    expect(out).toContain('  7 |   ssh_username  = "root"');
    const secret = out.split('\n').findIndex((l) => l.includes('secret-in-template'));
    expect(out.split('\n')[secret + 1]).toBe('  16 | (line not shown: it holds a secret)');
    expect(out).not.toContain('hunter2');
  });

  it('keeps a secret that stands beside the finding span out of the frame', () => {
    const text = ['build {', '  x = ["DB_PASSWORD=s3cr3t-value ./run.sh"]', '}'].join('\n');
    const finding = {
      policy: 'secret-in-template',
      severity: 'error' as const,
      message: 'm',
      file: 'a.pkr.hcl',
      line: 2,
      column: 27,
      endLine: 2,
      endColumn: 35,
    };
    const out = formatText(
      { ...run, findings: [finding], templates: [{ ...run.templates[0]!, text: { 'a.pkr.hcl': text } }] },
      { color: false, frames: true, quiet: true },
    );
    expect(out).not.toContain('s3cr3t-value');
  });
});

describe('gitlab', () => {
  type Issue = {
    type: string;
    check_name: string;
    description: string;
    severity: string;
    fingerprint: string;
    location: { path: string; lines: { begin: number; end: number } };
  };
  const finding = (line: number, severity: 'error' | 'warning' | 'info' = 'error') => ({
    policy: 'remote-script-piped',
    severity,
    message: 'curl | sh runs unverified code',
    file: `${process.cwd()}/packer/web/web.pkr.hcl`,
    line,
    column: 1,
    endLine: line,
    endColumn: 9,
  });

  it('writes Code Quality issues with project-relative paths and GitLab severities', () => {
    const issues = JSON.parse(
      formatGitlab({ ...run, findings: [finding(3), finding(9, 'warning'), finding(12, 'info')] }),
    ) as Issue[];
    expect(issues[0]).toEqual({
      type: 'issue',
      check_name: 'remote-script-piped',
      description: 'curl | sh runs unverified code',
      categories: ['Security'],
      severity: 'critical',
      fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
      location: { path: 'packer/web/web.pkr.hcl', lines: { begin: 3, end: 3 } },
    });
    expect(issues.map((i) => i.severity)).toEqual(['critical', 'major', 'info']);
    // Same policy, file and message: still one fingerprint each, so GitLab counts them all.
    expect(new Set(issues.map((i) => i.fingerprint)).size).toBe(3);
  });

  it('keeps a fingerprint when the finding moves to another line', () => {
    const at = (line: number) =>
      (JSON.parse(formatGitlab({ ...run, findings: [finding(line)] })) as Issue[])[0]!;
    expect(at(3).fingerprint).toBe(at(40).fingerprint);
  });

  it('has one issue per finding of a real lint run, and [] for none', () => {
    expect((JSON.parse(formatGitlab(run)) as Issue[]).length).toBe(run.findings.length);
    expect(formatGitlab({ ...run, findings: [] })).toBe('[]\n');
  });
});
