import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../../../src/evidence/verdict.js';
import { buildReportModel } from '../../../../src/report/compliance/assemble.js';
import { htmlProse, mdProse } from '../../../../src/report/compliance/escape.js';
import { renderHtml } from '../../../../src/report/compliance/html.js';
import { renderMarkdown } from '../../../../src/report/compliance/markdown.js';
import type { PolicyInfo, SourcedRecord } from '../../../../src/report/compliance/types.js';
import { baseVerdict, webVerdict } from '../../../fixtures/report/verdicts.js';
import { inputs, VERIFIED } from './helpers.js';

/** What an auditor signing off a report needs to see: the current verdict, code as code, every record. */
const OPTS = { title: 't', generatedAt: '2026-11-28T08:00:00.000Z', toolVersion: '0' };

function at(v: Verdict, finishedAt: string, id: string): Verdict {
  return {
    ...v,
    artifact: { ...v.artifact, id },
    timings: { ...v.timings, startedAt: finishedAt, finishedAt },
  };
}

describe('superseded verdicts', () => {
  const older = at(webVerdict(), '2026-11-27T10:00:00.000Z', 'sha256:old');
  const newer = at(webVerdict(), '2026-11-28T10:00:00.000Z', 'sha256:new');
  // Input order must not matter: the newer one comes first here.
  const m = buildReportModel(
    inputs({
      verdicts: [
        { file: 'new.verdict.json', verdict: newer, check: VERIFIED },
        { file: 'old.verdict.json', verdict: older, check: VERIFIED },
      ],
    }),
    OPTS,
  );
  const byFile = (f: string) => m.artifacts.find((a) => a.file === f)!;

  it('marks the older verdict for the same tag as superseded by the newer one, which stays current', () => {
    expect(byFile('new.verdict.json').supersededBy).toBeUndefined();
    expect(byFile('old.verdict.json').supersededBy).toEqual({
      anchor: byFile('new.verdict.json').anchor,
      reference: 'web:1.4.2',
      finishedAt: '2026-11-28T10:00:00.000Z',
    });
    expect(m.summary.superseded).toBe(1);
  });

  it('says so in Markdown and HTML', () => {
    const md = renderMarkdown(m);
    expect(md).toContain('✅ passed (superseded)');
    expect(md).toContain('> **Superseded** by a newer verdict for the same image, web:1.4.2');
    expect(md).toContain('1 superseded by a newer verdict');
    const html = renderHtml(m);
    expect(html).toContain('<span class="pill superseded">superseded</span>');
    expect(html).toContain(`<a href="#${byFile('new.verdict.json').anchor}">web:1.4.2</a> (finished`);
  });

  it('each gate run of an AMI (new id, same image and Packer build) replaces the last', () => {
    const a = at(baseVerdict(), '2026-11-27T10:00:00.000Z', 'ami-0aaaaaaaaaaaaaaa1');
    const b = at(baseVerdict(), '2026-11-28T10:00:00.000Z', 'ami-0aaaaaaaaaaaaaaa2');
    a.artifact.reference = 'ami-0aaaaaaaaaaaaaaa1 (eu-west-1)';
    b.artifact.reference = 'ami-0aaaaaaaaaaaaaaa2 (eu-west-1)';
    const other = at(baseVerdict(), '2026-11-26T10:00:00.000Z', 'ami-0aaaaaaaaaaaaaaa3');
    other.artifact.region = 'us-east-1';
    other.artifact.reference = 'ami-0aaaaaaaaaaaaaaa3 (us-east-1)';
    const r = buildReportModel(
      inputs({
        verdicts: [a, b, other].map((verdict, i) => ({ file: `${i}`, verdict, check: VERIFIED })),
      }),
      OPTS,
    );
    const sup = (f: string) => r.artifacts.find((x) => x.file === f)!.supersededBy?.reference;
    expect([sup('0'), sup('1'), sup('2')]).toEqual([
      'ami-0aaaaaaaaaaaaaaa2 (eu-west-1)',
      undefined,
      undefined,
    ]);
  });

  it('different images are never superseded by each other', () => {
    const r = buildReportModel(
      inputs({
        verdicts: [webVerdict(), baseVerdict()].map((verdict, i) => ({
          file: `${i}`,
          verdict,
          check: VERIFIED,
        })),
      }),
      OPTS,
    );
    expect(r.artifacts.some((a) => a.supersededBy)).toBe(false);
    expect(r.summary.superseded).toBe(0);
  });
});

describe('policy prose', () => {
  const text = 'Pass `-y` to apt-get and set `DEBIAN_FRONTEND=noninteractive` <now> | not `later';

  it('HTML shows code spans as code, escapes everything else', () => {
    expect(htmlProse(text)).toBe(
      'Pass <code>-y</code> to apt-get and set <code>DEBIAN_FRONTEND=noninteractive</code> &lt;now&gt; | not `later',
    );
    expect(htmlProse('`<script>`')).toBe('<code>&lt;script&gt;</code>');
  });

  it('Markdown keeps code spans, escapes the rest, and stays inside its table cell', () => {
    expect(mdProse(text)).toBe(
      'Pass `-y` to apt-get and set `DEBIAN_FRONTEND=noninteractive` &lt;now&gt; \\| not \\`later',
    );
    expect(mdProse('`a|b`')).toBe('`a\\|b`');
  });

  it('remediation in both reports renders its code spans, never raw backticks', () => {
    const policy: PolicyInfo = {
      id: 'apt-noninteractive',
      title: 'apt-get runs non-interactively',
      remediation: 'Pass `-y` to apt-get.',
      references: [],
      controls: [],
    };
    const v = baseVerdict();
    const r = buildReportModel(
      inputs({ verdicts: [{ file: 'b', verdict: v, check: VERIFIED }], policies: [policy] }),
      OPTS,
    );
    expect(renderHtml(r)).toContain('<strong>How to fix:</strong> Pass <code>-y</code> to apt-get.');
    expect(renderHtml(r)).not.toContain('`-y`');
    expect(renderMarkdown(r)).toContain('| Pass `-y` to apt-get. |');
    expect(renderMarkdown(r)).not.toContain('\\`-y\\`');
  });
});

describe('Markdown lists every record the HTML report lists', () => {
  const record = (file: string, record: Record<string, unknown>): SourcedRecord => ({
    file,
    line: 1,
    record,
  });
  const m = buildReportModel(
    inputs({
      verdicts: [{ file: 'w', verdict: webVerdict(), check: VERIFIED }],
      promotions: [
        record('promotions.jsonl', { artifact: 'ami-0aaaaaaaaaaaaaaaa', stage: 'prod', status: 'promoted' }),
      ],
      prune: [
        record('plan.json', {
          imageId: 'ami-0bbbbbbbbbbbbbbbb',
          action: 'retire',
          reason: 'older than 90 days',
        }),
      ],
    }),
    OPTS,
  );

  it('has the unmatched promotion records and the retention decisions', () => {
    const md = renderMarkdown(m);
    expect(md).toContain('### Promotion records for artifacts not in this report');
    expect(md).toMatch(/\| `ami-0aaaaaaaaaaaaaaaa` \| prod \| promoted \| .* \| `promotions\.jsonl:1` \|/);
    expect(md).toContain('### Retention (prune plans and audit log)');
    expect(md).toMatch(
      /\| `ami-0bbbbbbbbbbbbbbbb` \| retire \| {2}\| older than 90 days \| `plan\.json:1` \|/,
    );
    const html = renderHtml(m);
    for (const id of ['ami-0aaaaaaaaaaaaaaaa', 'ami-0bbbbbbbbbbbbbbbb']) {
      expect(html).toContain(id);
      expect(md).toContain(id);
    }
  });
});

describe('builder and digest', () => {
  it('shows the builder stamp and the Packer build separately', () => {
    const v = webVerdict();
    v.target = { kind: 'docker', labels: { 'dev.imagegate.builder': 'ci-runner-7' } };
    const r = buildReportModel(inputs({ verdicts: [{ file: 'w', verdict: v, check: VERIFIED }] }), OPTS);
    expect(renderMarkdown(r)).toContain('**builder:** ci-runner-7 · **Packer build:** `docker.web`');
    expect(renderHtml(r)).toContain(
      '<dt>Builder</dt><dd>ci-runner-7</dd><dt>Packer build</dt><dd>docker.web</dd>',
    );
  });
});
