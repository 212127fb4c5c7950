import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReportModel } from '../../../../src/report/compliance/assemble.js';
import {
  findVerdictFiles,
  loadInputs,
  loadPolicies,
  parseRecords,
  readLintFile,
} from '../../../../src/report/compliance/load.js';
import { renderMarkdown } from '../../../../src/report/compliance/markdown.js';
import type { InputFile } from '../../../../src/report/compliance/types.js';
import { WEB_ID, webVerdict } from '../../../fixtures/report/verdicts.js';
import { OTHER_KEY, signPromotionSync, TEST_KEY, writeSignedVerdictFile } from '../../../helpers/evidence.js';
import { fixtureModel, scratchDir, TRUST } from './helpers.js';

const tmp = () => scratchDir('imagegate-report-load-');

describe('parseRecords', () => {
  it('reads JSON lines, skipping blank lines, with their line numbers', () => {
    const recs = parseRecords('p.jsonl', '{"artifact":"a","stage":"s"}\n\n{"artifact":"b"}\n', []);
    expect(recs.map((r) => [r.line, r.record.artifact, r.item])).toEqual([
      [1, 'a', undefined],
      [3, 'b', undefined],
    ]);
  });

  it('skips a torn JSONL line with a note, but rejects a file where no line parses', () => {
    const notes: string[] = [];
    const recs = parseRecords('audit.jsonl', '{"a":1}\n{"a":\n[1]\n{"a":2}\n', notes);
    expect(recs.map((r) => r.line)).toEqual([1, 4]);
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/^audit\.jsonl:2: not valid JSON .*; line skipped \(a torn write\?\)$/);
    expect(notes[1]).toBe('audit.jsonl:3: not a JSON object; line skipped (a torn write?)');
    expect(() => parseRecords('x.jsonl', 'hello\nworld\n', [])).toThrow(
      /^x\.jsonl:1: not valid JSON .*: expected JSON, or JSON lines with one object per line$/,
    );
  });

  it('flattens a plan object into its entries, sharing the plan-level scalars', () => {
    const recs = parseRecords(
      'plan.json',
      JSON.stringify({
        generatedAt: 'T',
        account: '1',
        decisions: [{ imageId: 'ami-1' }, { imageId: 'ami-2', account: '2' }],
      }),
      [],
    );
    expect(recs.map((r) => r.record)).toEqual([
      { generatedAt: 'T', account: '1', imageId: 'ami-1' },
      { generatedAt: 'T', account: '2', imageId: 'ami-2' },
    ]);
    expect(recs.every((r) => r.item)).toBe(true);
  });

  it('reads a JSON array and a single object', () => {
    expect(parseRecords('a.json', '[{"x":1},{"x":2}]', [])).toHaveLength(2);
    expect(parseRecords('o.json', '{"x":1}', [])).toEqual([
      { file: 'o.json', line: 1, item: true, record: { x: 1 } },
    ]);
    expect(() => parseRecords('a.json', '[1]', [])).toThrow('a.json: item 1: expected a JSON object');
  });
});

describe('readLintFile', () => {
  it('reads lint --format json output and bare finding arrays', () => {
    const d = tmp();
    writeFileSync(
      join(d, 'a.json'),
      JSON.stringify({
        findings: [{ policy: 'p', severity: 'error', message: 'm', file: 'f', line: 3 }],
        summary: {},
      }),
    );
    writeFileSync(join(d, 'b.json'), JSON.stringify([{ policy: 'p', message: 'm' }]));
    expect(readLintFile(join(d, 'a.json')).findings).toEqual([
      { policy: 'p', severity: 'error', message: 'm', file: 'f', line: 3 },
    ]);
    expect(readLintFile(join(d, 'b.json')).findings[0]).toMatchObject({ severity: 'warning', file: '' });
  });

  it('rejects files that are not lint results, naming the file and entry', () => {
    const d = tmp();
    writeFileSync(join(d, 'x.json'), '{"results": []}');
    writeFileSync(join(d, 'y.json'), '{"findings": [{"policy": "p"}]}');
    writeFileSync(join(d, 'z.json'), '{"findings": [');
    expect(() => readLintFile(join(d, 'x.json'))).toThrow(/x\.json: not lint results/);
    expect(() => readLintFile(join(d, 'y.json'))).toThrow(
      /y\.json: findings\[0\]: a finding needs string "policy" and "message"/,
    );
    expect(() => readLintFile(join(d, 'z.json'))).toThrow(/z\.json: not valid JSON/);
    expect(() => readLintFile(join(d, 'missing.json'))).toThrow(
      /missing\.json: cannot read lint results \(ENOENT\)/,
    );
  });
});

describe('findVerdictFiles', () => {
  it('finds *.verdict.json below directories, in name order, ignoring other files', () => {
    const d = tmp();
    mkdirSync(join(d, 'b'));
    writeFileSync(join(d, 'b', 'z.verdict.json'), '{}');
    writeFileSync(join(d, 'a.verdict.json'), '{}');
    writeFileSync(join(d, 'notes.json'), '{}');
    expect(findVerdictFiles([d]).map((f) => f.slice(d.length))).toEqual([
      '/a.verdict.json',
      '/b/z.verdict.json',
    ]);
  });

  it('fails on a missing path or a directory without verdicts', () => {
    const d = tmp();
    expect(() => findVerdictFiles([join(d, 'nope')])).toThrow(/nope: no such file or directory/);
    expect(() => findVerdictFiles([d])).toThrow(/no \*\.verdict\.json files in this directory/);
  });
});

describe('loadPolicies', () => {
  it('reads policy metadata, notes unreadable files and missing explicit dirs, and lets later dirs win', () => {
    const a = tmp();
    const b = tmp();
    writeFileSync(
      join(a, 'p.yaml'),
      'id: p\ntitle: old\ncontrols: [CIS-1]\nreferences:\n  - {title: T, url: "https://x.test/"}\n',
    );
    writeFileSync(join(b, 'p.yaml'), 'id: p\ntitle: new\n');
    writeFileSync(join(b, 'q.yml'), 'title: [unclosed\n');
    writeFileSync(join(b, 'r.yaml'), '- a list\n');
    const notes: string[] = [];
    const files: InputFile[] = [];
    const first = loadPolicies([{ dir: a, explicit: true }], [], []);
    expect(first[0]).toMatchObject({
      id: 'p',
      title: 'old',
      controls: ['CIS-1'],
      references: ['T https://x.test/'],
    });
    const both = loadPolicies(
      [
        { dir: a, explicit: false },
        { dir: b, explicit: true },
        { dir: join(b, 'absent'), explicit: true },
        { dir: join(b, 'builtin-absent'), explicit: false },
      ],
      files,
      notes,
    );
    expect(both.map((p) => [p.id, p.title])).toEqual([['p', 'new']]);
    expect(notes).toHaveLength(3);
    expect(notes[0]).toMatch(/q\.yml: policy file not readable/);
    expect(notes[1]).toMatch(/r\.yaml: not a policy/);
    expect(notes[2]).toMatch(/absent: policy directory not found/);
    expect(files.map((f) => f.kind)).toEqual(['policy', 'policy']);
  });
});

describe('loadInputs', () => {
  it('records every input file with its sha256 and verifies each verdict', () => {
    const { set } = fixtureModel();
    const inputs = loadInputs({
      verdictPaths: [set.files.web, set.files.tampered],
      lintFiles: [set.lint],
      promotionFiles: [],
      pruneFiles: [set.prune],
      policyDirs: [],
      controls: {},
      configFile: set.config,
      trust: TRUST,
    });
    expect(inputs.verdicts.map((v) => v.check.verified)).toEqual([true, false]);
    expect(inputs.files.map((f) => f.kind)).toEqual(['verdict', 'verdict', 'lint', 'prune', 'config']);
    expect(inputs.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
    expect(inputs.prune).toHaveLength(3);
  });
});

describe('promotion records in the report', () => {
  it('flags a hand-written imagegate promotion record and one signed by no trusted key; a signed one passes', () => {
    const dir = scratchDir('imagegate-report-records-');
    const rec = {
      schema: 'imagegate.promotion/v1' as const,
      stage: 'prod',
      at: '2026-11-28T08:00:00Z',
      artifact: { kind: 'docker-image' as const, id: WEB_ID },
      attestationSha256: 'c'.repeat(64),
    };
    const file = join(dir, 'promotions.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify(rec),
        JSON.stringify({ ...rec, signer: TEST_KEY.keyId, attestation: signPromotionSync(rec) }),
        JSON.stringify({ ...rec, signer: OTHER_KEY.keyId, attestation: signPromotionSync(rec, OTHER_KEY) }),
        JSON.stringify({
          ...rec,
          stage: 'staging',
          signer: TEST_KEY.keyId,
          attestation: signPromotionSync(rec),
        }),
        JSON.stringify({ artifact: WEB_ID, stage: 'legacy', status: 'promoted' }),
      ].join('\n'),
    );
    const verdictDir = join(dir, 'v');
    writeSignedVerdictFile(verdictDir, webVerdict());
    const inputs = loadInputs({
      verdictPaths: [verdictDir],
      lintFiles: [],
      promotionFiles: [file],
      pruneFiles: [],
      policyDirs: [],
      controls: {},
      trust: TRUST,
    });
    expect(inputs.promotions.map((p) => p.signature?.verified)).toEqual([
      false,
      true,
      false,
      false,
      undefined,
    ]);
    expect(inputs.notes.filter((n) => /promotion record not verified/.test(n))).toEqual([
      expect.stringMatching(/:1: .*no signed attestation \(hand-written/),
      expect.stringMatching(/:3: .*a key this stage does not trust/),
      expect.stringMatching(/:4: .*its signed stage is "prod", not "staging"/),
    ]);
    const m = buildReportModel(inputs, { title: 't', generatedAt: 'now', toolVersion: '0' });
    const history = m.artifacts[0]!.history.filter((h) => h.kind === 'promotion');
    expect(history.filter((h) => h.unverified)).toHaveLength(3);
    expect(renderMarkdown(m)).toContain('⚠️ unverified record: no signed attestation (hand-written');
  });
});
