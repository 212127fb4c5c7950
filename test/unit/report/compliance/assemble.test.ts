import { describe, expect, it } from 'vitest';
import { attestationDigest } from '../../../../src/evidence/dsse.js';
import type { Verdict } from '../../../../src/evidence/verdict.js';
import { buildReportModel } from '../../../../src/report/compliance/assemble.js';
import { renderHtml } from '../../../../src/report/compliance/html.js';
import { renderJunit } from '../../../../src/report/compliance/junit.js';
import { renderMarkdown } from '../../../../src/report/compliance/markdown.js';
import { BASE_AMI, baseVerdict, LEGACY_AMI, WEB_ID, webVerdict } from '../../../fixtures/report/verdicts.js';
import { signedVerdictBytes } from '../../../helpers/evidence.js';
import { fixtureModel, inputs, REJECTED, VERIFIED } from './helpers.js';

const OPTS = { title: 't', generatedAt: '2026-11-28T08:00:00.000Z', toolVersion: '0.1.0' };

describe('buildReportModel', () => {
  const { model } = fixtureModel();
  const byId = (id: string) => model.artifacts.find((a) => a.identity.id === id)!;

  it('counts a tampered verdict as tampered, not as the pass it claims, and lists it first', () => {
    expect(model.summary).toMatchObject({ artifacts: 3, passed: 1, failed: 1, tampered: 1 });
    const legacy = byId(LEGACY_AMI);
    expect(legacy.status).toBe('tampered');
    expect(legacy.claimedPassed).toBe(true);
    expect(legacy.evidence).toMatchObject({ verified: false, code: 'bad-signature' });
    expect(legacy.evidence.reason).toMatch(/signature does not verify/);
    expect(model.artifacts.map((a) => a.status)).toEqual(['tampered', 'failed', 'passed']);
  });

  it('names the trusted signer and the attestation digest of a verified verdict', () => {
    expect(byId(WEB_ID).evidence).toEqual({
      verified: true,
      signer: 'test key',
      digest: attestationDigest(signedVerdictBytes(webVerdict())),
    });
  });

  it('attaches lint findings by template path and drops the duplicate the verdict also embeds', () => {
    const base = byId(BASE_AMI);
    expect(base.lint.findings.map((f) => `${f.severity}:${f.policy}`)).toEqual([
      'error:apt-noninteractive',
      'warning:cleanup-provisioner',
      'info:pinned-base-image',
    ]);
    expect(base.lint.findings[0]!.policyTitle).toBe('apt-get runs non-interactively');
    expect(base.lint.counts).toEqual({ error: 1, warning: 1, info: 1 });
    expect(byId(WEB_ID).lint).toMatchObject({ evaluated: true, findings: [] });
    expect(model.unattachedFindings).toEqual([]);
    // The tampered verdict's template finding is shown with it but left out of the totals.
    expect(model.summary.findings).toEqual({ error: 1, warning: 1, info: 1 });
  });

  it('groups suite results by resource with failures first and explains each failure', () => {
    const suite = byId(BASE_AMI).suites[0]!;
    expect(suite.counts).toEqual({ pass: 3, fail: 2, skip: 1 });
    expect(suite.resources.map((r) => r.status)).toEqual(['fail', 'fail', 'skip', 'pass', 'pass', 'pass']);
    const sshd = suite.resources[0]!;
    expect(sshd).toMatchObject({ type: 'File', id: '/etc/ssh/sshd_config', controls: ['CIS-5.2.10'] });
    expect(sshd.checks[0]!.failure).toBe(
      'matcher equal; expected ["/^PermitRootLogin no/"]; got PermitRootLogin yes',
    );
    expect(suite.resources[1]!.checks[0]!.failure).toBe('package auditd is not installed');
    const web = byId(WEB_ID).suites[0]!;
    const nginx = web.resources.find((r) => r.id === 'nginx' && r.type === 'Package')!;
    expect(nginx.checks.map((c) => c.property)).toEqual(['installed', 'versions']);
  });

  it('reads identity from the verdict and from the tags and labels the target carries', () => {
    expect(byId(BASE_AMI).identity).toMatchObject({
      kind: 'ami',
      regions: ['eu-west-1'],
      buildTime: '2026-11-27T14:52:10Z',
      baseOs: 'Ubuntu 22.04.5 LTS',
      packerBuild: 'amazon-ebs.base',
      git: { sha: '8c41f0e2b7d94a1c5e3f6a8b0d2c4e6f8a1b3c5d', dirty: true },
    });
    expect(byId(WEB_ID).identity).toMatchObject({
      baseOs: 'Debian GNU/Linux 12 (bookworm)',
      buildTime: '2026-11-27T13:58:40Z',
      digest: 'web@sha256:9d0e1f2a3b4c',
    });
    expect(byId(LEGACY_AMI).identity.baseOs).toBeUndefined();
    // The Packer build is not who built it: with no builder stamp, the builder is not recorded.
    expect(byId(BASE_AMI).identity.builder).toBeUndefined();
  });

  it('reads OCI and imagegate label stamps the docker target records', () => {
    const v = webVerdict();
    v.target = {
      kind: 'docker',
      labels: {
        'org.opencontainers.image.created': '2026-11-27T10:00:00Z',
        'org.opencontainers.image.base.name': 'debian:bookworm',
        'dev.imagegate.builder': 'ci#4711',
      },
    };
    // The label wins over the Packer build name the manifest gave (`docker.web`), which stays beside it.
    const m = buildReportModel(inputs({ verdicts: [{ file: 'w', verdict: v, check: REJECTED }] }), OPTS);
    expect(m.artifacts[0]!.identity).toMatchObject({
      buildTime: '2026-11-27T10:00:00Z',
      baseOs: 'debian:bookworm',
      builder: 'ci#4711',
      packerBuild: 'docker.web',
    });
  });

  it('a docker image without its own digest shows the repo digest it was tested or promoted under', () => {
    const tested = webVerdict();
    delete tested.artifact.digest;
    tested.target = { kind: 'docker', repoDigests: ['127.0.0.1:5001/web@sha256:aaaa'] };
    const promoted = webVerdict();
    delete promoted.artifact.digest;
    promoted.target = { kind: 'docker' };
    const local = webVerdict();
    delete local.artifact.digest;
    local.artifact.id = 'sha256:0123';
    local.target = { kind: 'docker' };
    const m = buildReportModel(
      inputs({
        verdicts: [
          { file: 'a', verdict: tested, check: VERIFIED },
          { file: 'b', verdict: promoted, check: VERIFIED },
          { file: 'c', verdict: local, check: VERIFIED },
        ],
        promotions: [
          {
            file: 'p.jsonl',
            line: 1,
            record: {
              stage: 'dev',
              artifact: { id: WEB_ID },
              registry: { repository: 'reg/web', digest: 'sha256:bbbb', tags: ['dev'] },
            },
          },
        ],
      }),
      OPTS,
    );
    expect(m.artifacts.map((a) => a.identity.digest)).toEqual(['sha256:aaaa', 'sha256:bbbb', undefined]);
  });

  it('builds promotion history from the verdict, promotion records and retention decisions, in time order', () => {
    const web = byId(WEB_ID).history;
    expect(web.map((h) => [h.stage, h.status])).toEqual([
      ['staging', 'promoted'],
      ['production', 'promoted'],
    ]);
    // The production record cites a verdict other than this one: an auditor must see that.
    expect(web.map((h) => h.otherVerdict)).toEqual([undefined, '0'.repeat(64)]);
    expect(web[1]!.detail).toMatch(/^registry\.internal:443\/web@sha256:9d0e.* \(1\.4\.2, production\)$/);
    const base = byId(BASE_AMI).history;
    expect(base.map((h) => [h.kind, h.status])).toEqual([
      ['promotion', 'refused'],
      ['retention', 'keep'],
    ]);
    expect(base[1]!.at).toBe('2026-11-28T02:00:00Z');
    expect(byId(LEGACY_AMI).history[0]).toMatchObject({ source: 'verdict', status: 'failed' });
  });

  it('keeps promotion records no artifact matches, and every retention decision', () => {
    expect(model.unattachedPromotions).toHaveLength(1);
    expect(model.unattachedPromotions[0]).toMatchObject({
      subject: 'ami-0aaaaaaaaaaaaaaaa',
      status: 'promoted',
    });
    expect(model.retention.map((r) => r.action)).toEqual(['retire', 'keep', 'keep']);
    expect(model.retention[0]!.detail).toBe('older than 90 days; not in use (111122223333 eu-west-1)');
  });

  it('adds regions an artifact was promoted to', () => {
    const v = baseVerdict();
    const m = buildReportModel(
      inputs({
        verdicts: [{ file: 'b.verdict.json', verdict: v, check: VERIFIED }],
        promotions: [
          {
            file: 'p.jsonl',
            line: 1,
            record: {
              artifact: BASE_AMI,
              stage: 'prod',
              status: 'promoted',
              regions: ['us-east-1', 'ap-south-1'],
            },
          },
        ],
      }),
      OPTS,
    );
    expect(m.artifacts[0]!.identity.regions).toEqual(['ap-south-1', 'eu-west-1', 'us-east-1']);
  });

  it('reads promotion records, prune decisions and audit lines as imagegate writes them', () => {
    const v = baseVerdict();
    const m = buildReportModel(
      inputs({
        verdicts: [{ file: 'b.verdict.json', verdict: v, check: VERIFIED }],
        promotions: [
          {
            file: '.imagegate/promotions.jsonl',
            line: 1,
            record: {
              schema: 'imagegate.promotion/v1',
              stage: 'prod',
              at: '2026-11-27T18:00:00Z',
              artifact: { kind: 'ami', id: BASE_AMI, region: 'eu-west-1' },
              attestationSha256: VERIFIED.digest,
              aws: {
                images: [
                  { account: '111122223333', region: 'eu-west-1', imageId: BASE_AMI, view: 'owned' },
                  { account: '444455556666', region: 'us-east-1', imageId: 'ami-0copy', view: 'owned' },
                ],
                recipients: [],
              },
            },
          },
        ],
        prune: [
          {
            file: 'plan.json',
            line: 1,
            item: true,
            record: {
              generatedAt: '2026-11-28T02:00:00Z',
              imageId: BASE_AMI,
              action: 'keep',
              reasons: [
                { code: 'in-use', detail: 'launch template lt-1' },
                { code: 'newest', detail: '1 of 3' },
              ],
            },
          },
          {
            file: 'audit.jsonl',
            line: 7,
            record: {
              ts: '2026-11-28T03:00:00Z',
              runId: 'r1',
              event: 'result',
              action: 'deprecate',
              imageId: BASE_AMI,
              ok: false,
              error: 'throttled',
            },
          },
        ],
      }),
      OPTS,
    );
    const a = m.artifacts[0]!;
    expect(a.identity.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(a.history.map((h) => [h.kind, h.stage, h.status, h.detail, h.source])).toEqual([
      [
        'promotion',
        'prod',
        'promoted',
        '2 images: 111122223333/eu-west-1/ami-0b7e4c2d9f1a3e5c7, 444455556666/us-east-1/ami-0copy',
        '.imagegate/promotions.jsonl:1',
      ],
      ['retention', 'keep', 'keep', 'in-use: launch template lt-1; newest: 1 of 3', 'plan.json item 1'],
      ['retention', 'deprecate', 'failed', 'throttled', 'audit.jsonl:7'],
    ]);
  });

  it('matches promotion records to images with or without the sha256: prefix', () => {
    const m = buildReportModel(
      inputs({
        verdicts: [{ file: 'w.verdict.json', verdict: webVerdict(), check: VERIFIED }],
        promotions: [
          {
            file: 'p.jsonl',
            line: 3,
            record: { image: WEB_ID.slice(7), stage: 'qa', status: 'promoted', at: 'x' },
          },
        ],
      }),
      OPTS,
    );
    expect(m.artifacts[0]!.history).toHaveLength(1);
    expect(m.artifacts[0]!.history[0]!.source).toBe('p.jsonl:3');
    expect(m.unattachedPromotions).toEqual([]);
  });

  it('attaches --lint findings in the files of a directory template to its verdict', () => {
    const v = webVerdict();
    v.template = { path: '/ci/checkout/packer/web', digest: v.template!.digest };
    const finding = (file: string) => ({
      policy: 'p',
      severity: 'error' as const,
      message: 'm',
      file,
      line: 1,
    });
    const m = buildReportModel(
      inputs({
        verdicts: [{ file: 'w.verdict.json', verdict: v, check: REJECTED }],
        lint: [
          {
            file: 'l.json',
            findings: [
              finding('packer/web/web.pkr.hcl'),
              finding('packer/web/scripts/install.sh'),
              finding('packer/worker/worker.pkr.hcl'),
            ],
          },
        ],
      }),
      OPTS,
    );
    expect(m.artifacts[0]!.lint.findings.map((f) => f.file)).toEqual([
      'packer/web/scripts/install.sh',
      'packer/web/web.pkr.hcl',
    ]);
    expect(m.unattachedFindings.map((f) => f.file)).toEqual(['packer/worker/worker.pkr.hcl']);
  });

  it('reports findings for templates no verdict names separately', () => {
    const m = buildReportModel(
      inputs({
        verdicts: [{ file: 'w.verdict.json', verdict: webVerdict(), check: VERIFIED }],
        lint: [
          {
            file: 'l.json',
            findings: [{ policy: 'p', severity: 'error', message: 'm', file: 'other.pkr.hcl', line: 1 }],
          },
        ],
      }),
      OPTS,
    );
    expect(m.artifacts[0]!.lint.findings).toEqual([]);
    expect(m.unattachedFindings.map((f) => f.file)).toEqual(['other.pkr.hcl']);
    expect(m.policies).toEqual([{ id: 'p', counts: { error: 1, warning: 0, info: 0 }, total: 1 }]);
  });

  it('cuts very long expected/actual values', () => {
    const v = baseVerdict();
    const r = v.suites[0]!.run.results[0]!;
    r['matcher-result'].actual = 'x'.repeat(5000);
    const m = buildReportModel(inputs({ verdicts: [{ file: 'b', verdict: v, check: REJECTED }] }), OPTS);
    const check = m.artifacts[0]!.suites[0]!.resources[0]!.checks[0]!;
    expect(check.actual).toHaveLength(2000 + '… (3000 more characters)'.length);
  });

  it('keeps the tail of the target logs of a verdict that did not pass', () => {
    expect(byId(BASE_AMI).logs).toContain('auditd: unit not found');
    expect(byId(WEB_ID).logs).toBeUndefined();
    const v = baseVerdict();
    v.logs = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join('\n');
    const m = buildReportModel(inputs({ verdicts: [{ file: 'b', verdict: v, check: REJECTED }] }), OPTS);
    const lines = m.artifacts[0]!.logs!.split('\n');
    expect(lines).toHaveLength(61);
    expect(lines[0]).toBe('… 40 earlier lines');
    expect(lines.at(-1)).toBe('line 100');
  });

  it('renders a bare verdict (identity and hash only) instead of crashing', () => {
    const bare = {
      schema: 'imagegate.verdict/v1',
      artifact: { kind: 'ami', id: 'ami-1', reference: 'r' },
      sha256: 'x',
    };
    const m = buildReportModel(
      inputs({ verdicts: [{ file: 'bare', verdict: bare as unknown as Verdict, check: REJECTED }] }),
      OPTS,
    );
    expect(m.artifacts[0]).toMatchObject({
      status: 'tampered',
      suites: [],
      history: [],
      checks: { pass: 0, fail: 0, skip: 0 },
    });
    expect(renderHtml(m)).toContain('No suite results.');
    expect(renderMarkdown(m)).toContain('### ⚠️ r');
    expect(renderJunit(m)).toContain('type="tampered"');
  });

  it('is pure: the same inputs give the same model', () => {
    const i = inputs({ verdicts: [{ file: 'b', verdict: baseVerdict(), check: VERIFIED }] });
    expect(JSON.stringify(buildReportModel(i, OPTS))).toBe(JSON.stringify(buildReportModel(i, OPTS)));
  });
});
