import { describe, expect, it } from 'vitest';
import { md } from '../../../../src/report/compliance/escape.js';
import { renderMarkdown } from '../../../../src/report/compliance/markdown.js';
import { INJECTION } from '../../../fixtures/report/verdicts.js';
import { fixtureModel } from './helpers.js';

describe('escape.md', () => {
  it('keeps a table cell one cell: pipes escaped, newlines become <br>, tags become text', () => {
    expect(md('a | b\nc <b>')).toBe('a \\| b<br>c &lt;b&gt;');
    expect(md('*x* [l](u) ~~s~~')).toBe('\\*x\\* \\[l\\](u) \\~\\~s\\~\\~');
    // Block markers are escaped only where they could start a block.
    expect(md('# not a heading')).toBe('\\# not a heading');
    expect(md('1. not a list - really')).toBe('1\\. not a list - really');
  });
});

describe('renderMarkdown', () => {
  const { model } = fixtureModel();
  const out = renderMarkdown(model);

  it('opens with a CAUTION alert for tampered verdicts', () => {
    const lines = out.split('\n');
    expect(lines[2]).toBe('> [!CAUTION]');
    expect(out).toContain('ami-0e9f8a7b6c5d4e3f2-us-east-1.verdict.json');
  });

  it('lists failed checks with their reasons, one table row each', () => {
    const row = out.split('\n').find((l) => l.includes('package auditd is not installed'))!;
    expect(row).toBe('| `goss/base.yaml` | Package `auditd` | installed | package auditd is not installed |');
    // The multi-line goss summary of the sshd failure must not break its row.
    const sshd = out.split('\n').find((l) => l.includes('PermitRootLogin yes'))!;
    expect(sshd.startsWith('| ') && sshd.endsWith(' |')).toBe(true);
  });

  it('never emits raw HTML from inputs', () => {
    expect(out).not.toContain('<img');
    expect(out).not.toContain('<script');
    expect(out).not.toContain(INJECTION);
  });

  it('shows the control table and the summary counts', () => {
    expect(out).toContain('**3 artifacts:** ✅ 1 passed · ❌ 1 failed · ⚠️ 1 tampered');
    expect(out).toContain('| CIS-5.2.10 | ❌ fail |');
    expect(out).toContain('| ORG-LOG-1 | ➖ not-covered | check `service:rsyslog` | 0/2 | 0 | 0 | 1 |');
  });

  it('caps long lists so a job summary stays small', () => {
    const m = structuredClone(model);
    const base = m.artifacts.find((a) => a.status === 'failed')!;
    const failing = base.suites[0]!.resources[0]!;
    failing.checks = Array.from({ length: 120 }, (_, i) => ({ ...failing.checks[0]!, property: `p${i}` }));
    const text = renderMarkdown(m);
    expect(text).toContain('…and 72 more (see the HTML report).');
    expect(text).not.toContain('| p60 |');
  });
});
