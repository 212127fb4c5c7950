import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assertPromotable,
  assertStageFits,
  findEvidence,
  loadEvidence,
} from '../../../src/promote/eligibility.js';
import type { PromotionRecord } from '../../../src/promote/records.js';
import { appendPromotion, readPromotions } from '../../../src/promote/records.js';
import type { Stage } from '../../../src/promote/stages.js';
import { makeVerdict, storeVerdict } from '../../helpers/verdicts.js';

const AMI = 'ami-0123456789abcdef0';
const artifact = { kind: 'ami' as const, id: AMI, region: 'eu-west-1', reference: AMI };
const dev: Stage = {
  kind: 'aws',
  name: 'dev',
  regions: [{ region: 'eu-west-1' }],
  shareWith: [],
  organizations: [],
  ous: [],
  copyTo: [],
  tags: {},
};
const prod: Stage = { ...dev, name: 'prod', requires: 'dev' };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'imagegate-evidence-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('evidence', () => {
  it('finds the verdict for the exact artifact and accepts it', () => {
    storeVerdict(dir, makeVerdict({ kind: 'ami', id: 'ami-0fedcba9876543210', region: 'eu-west-1' }));
    const file = storeVerdict(dir, makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' }));
    writeFileSync(join(dir, 'verdicts', 'junk.verdict.json'), '{not json');
    const ev = findEvidence(join(dir, 'verdicts'), artifact);
    expect(ev.file).toBe(file);
    expect(() => assertPromotable(ev, artifact, dev, [])).not.toThrow();
  });

  it('refuses when there is no verdict for that artifact', () => {
    storeVerdict(dir, makeVerdict({ kind: 'ami', id: 'ami-0fedcba9876543210', region: 'eu-west-1' }));
    expect(() => findEvidence(join(dir, 'verdicts'), artifact)).toThrow(
      expect.objectContaining({ exitCode: 1, message: expect.stringMatching(/no verdict for AMI ami-0123/) }),
    );
  });

  it('refuses a tampered verdict (a failure edited into a pass)', () => {
    const file = storeVerdict(dir, makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' }, false));
    writeFileSync(file, readFileSync(file, 'utf8').replace('"passed": false', '"passed": true'));
    const ev = loadEvidence(file);
    expect(ev.verdict.passed).toBe(true);
    expect(() => assertPromotable(ev, artifact, dev, [])).toThrow(
      expect.objectContaining({
        exitCode: 1,
        message: expect.stringMatching(/modified after it was written/),
      }),
    );
  });

  it('refuses a failing verdict, and evidence for another artifact (digest mismatch)', () => {
    const failing = loadEvidence(
      storeVerdict(dir, makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' }, false)),
    );
    expect(() => assertPromotable(failing, artifact, dev, [])).toThrow(
      /records a failed test \(1 failed check\)/,
    );
    const other = loadEvidence(storeVerdict(dir, makeVerdict({ kind: 'ami', id: AMI, region: 'us-east-1' })));
    expect(() => assertPromotable(other, artifact, dev, [])).toThrow(/digest mismatch/);
  });

  it('refuses a stage whose required stage was not reached, then allows it once recorded', () => {
    const ev = loadEvidence(storeVerdict(dir, makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' })));
    expect(() => assertPromotable(ev, artifact, prod, [])).toThrow(/requires "dev" first/);
    const rec: PromotionRecord = {
      schema: 'imagegate.promotion/v1',
      stage: 'dev',
      at: '2026-11-28T08:00:00Z',
      artifact: { kind: 'ami', id: AMI, region: 'eu-west-1' },
      verdictSha256: ev.verdict.sha256,
    };
    appendPromotion(dir, rec);
    expect(() => assertPromotable(ev, artifact, prod, readPromotions(dir))).not.toThrow();
  });

  it('refuses to put an AMI into a registry stage', () => {
    const reg: Stage = { kind: 'registry', name: 'dev', repository: 'localhost:5001/dev/web', tags: [] };
    expect(() => assertStageFits(artifact, reg)).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/promotes container images/) }),
    );
    expect(() => assertStageFits(artifact, dev)).not.toThrow();
  });
});

describe('promotion records', () => {
  it('appends atomically and skips a torn line instead of failing', () => {
    const rec: PromotionRecord = {
      schema: 'imagegate.promotion/v1',
      stage: 'dev',
      at: 't',
      artifact: { kind: 'ami', id: AMI },
      verdictSha256: 'x',
    };
    appendPromotion(dir, rec);
    writeFileSync(
      join(dir, 'promotions.jsonl'),
      `${readFileSync(join(dir, 'promotions.jsonl'), 'utf8')}{"schema":"imag`,
    );
    appendPromotion(dir, { ...rec, stage: 'prod' });
    expect(readPromotions(dir).map((r) => r.stage)).toEqual(['dev', 'prod']);
  });
});
