import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildReportModel } from '../../../../src/report/compliance/assemble.js';
import { html } from '../../../../src/report/compliance/escape.js';
import { renderHtml } from '../../../../src/report/compliance/html.js';
import { INJECTION, webVerdict } from '../../../fixtures/report/verdicts.js';
import { fixtureModel, inputs, VERIFIED } from './helpers.js';

describe('escape.html', () => {
  it('escapes everything that could open a tag or leave an attribute', () => {
    expect(html(`<a href="x" title='y'>&`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;');
    expect(html(undefined)).toBe('');
  });
});

describe('renderHtml', () => {
  const { model } = fixtureModel();
  const page = renderHtml(model);

  it('shows an injected resource id as text and never as markup', () => {
    expect(page).not.toContain(INJECTION);
    expect(page).not.toContain('<img');
    expect(page).toContain(html(INJECTION));
    expect(page.match(/<script>/g)).toHaveLength(1);
    // Target logs cannot close their <pre> either.
    expect(page).toContain('&lt;/pre&gt;&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;');
    expect(page.match(/<\/pre>/g)).toHaveLength(1);
  });

  it('pins its one style and one script by hash in a CSP that allows nothing else', () => {
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(page)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)![1]!;
    const hash = (t: string) => `'sha256-${createHash('sha256').update(t).digest('base64')}'`;
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toContain(`script-src ${hash(script)}`);
  });

  it('loads nothing from anywhere: no src attributes, no CSS urls, no imports', () => {
    // Every literal `<` in the page is markup (input text is escaped), so look inside tags only.
    expect(page).not.toMatch(/<[^>]*\ssrc=/i);
    expect(page).not.toMatch(/url\(/i);
    expect(page).not.toMatch(/@import/i);
    expect(page).not.toMatch(/<link/i);
  });

  it('leads with the tamper warning and names the tampered file', () => {
    const main = page.slice(page.indexOf('<main>'));
    expect(main.indexOf('id="tamper-warning"')).toBeLessThan(main.indexOf('id="summary"'));
    expect(page).toMatch(/id="tamper-warning"[\s\S]*ami-0e9f8a7b6c5d4e3f2-us-east-1\.verdict\.json/);
  });

  it('has no tamper warning when every verdict is intact', () => {
    const clean = buildReportModel(
      inputs({ verdicts: [{ file: 'w.verdict.json', verdict: webVerdict(), check: VERIFIED }] }),
      { title: 'x', generatedAt: 'now', toolVersion: '0' },
    );
    const out = renderHtml(clean);
    expect(out).not.toContain('tamper-warning');
    expect(out).toContain('all passed');
  });

  it('shows policy rationale and remediation next to findings, and says when a policy file is missing', () => {
    expect(page).toContain('<strong>Why it matters:</strong> A provisioner that runs apt-get without -y');
    expect(page).toContain('<strong>How to fix:</strong> Set DEBIAN_FRONTEND=noninteractive');
    expect(page).toContain('No policy description found (policies/pinned-base-image.yaml is missing)');
  });

  it('flags a promotion made on a different verdict', () => {
    expect(page).toContain('on another verdict: sha256 000000000000…');
  });

  it('links only http(s) references', () => {
    expect(page).toContain('href="https://manpages.debian.org/bookworm/debconf-doc/debconf.7.en.html"');
    const m = structuredClone(model);
    m.policies[0]!.info!.references = ['javascript:alert(1)'];
    expect(renderHtml(m)).not.toContain('href="javascript:');
  });
});
