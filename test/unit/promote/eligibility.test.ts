/**
 * Every forgery of issue 13 against promote's evidence checks (the same verification `verify`
 * and `report` use): each is refused with a one-line reason and the exit code of its kind.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../../src/evidence/dsse.js';
import { makeStatement, subjectFor, VERDICT_PREDICATE } from '../../../src/evidence/statement.js';
import { verdictFileName } from '../../../src/evidence/store.js';
import type { Verdict } from '../../../src/evidence/verdict.js';
import {
  assertPassed,
  assertPromotable,
  assertStageFits,
  findEvidence,
  loadEvidence,
  type ResolvedArtifact,
} from '../../../src/promote/eligibility.js';
import {
  appendPromotion,
  type PromotionLine,
  type PromotionRecord,
  readPromotionLines,
  signedPromotion,
} from '../../../src/promote/records.js';
import type { Stage } from '../../../src/promote/stages.js';
import {
  decodeStatement,
  OTHER_KEY,
  signPromotionSync,
  signStatementSync,
  signVerdictSync,
  TEST_KEY,
  testKey,
  withPayload,
} from '../../helpers/evidence.js';
import { makeVerdict, storeVerdict } from '../../helpers/verdicts.js';

const AMI = 'ami-0123456789abcdef0';
const artifact: ResolvedArtifact = { kind: 'ami', id: AMI, region: 'eu-west-1', reference: AMI };
const IMAGE_A = `sha256:${'a'.repeat(64)}`;
const IMAGE_B = `sha256:${'b'.repeat(64)}`;
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
const TRUST = [TEST_KEY.trusted];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'imagegate-evidence-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const refusal = (code: number, message: RegExp) =>
  expect.objectContaining({ exitCode: code, message: expect.stringMatching(message) });

/** Write raw envelope bytes as the evidence file for `v`'s artifact. */
function writeRaw(v: Verdict, bytes: Buffer | string): string {
  mkdirSync(join(dir, 'verdicts'), { recursive: true });
  const file = join(dir, 'verdicts', verdictFileName(v.artifact));
  writeFileSync(file, bytes);
  return file;
}

describe('evidence that verifies', () => {
  it('finds the newest signed verdict for the exact artifact and accepts it', () => {
    storeVerdict(dir, makeVerdict({ kind: 'ami', id: 'ami-0fedcba9876543210', region: 'eu-west-1' }));
    const file = storeVerdict(dir, makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' }));
    const ev = findEvidence(join(dir, 'verdicts'), artifact);
    expect(ev.file).toBe(file);
    const ok = assertPromotable(ev, artifact, dev, TRUST);
    expect(ok.signer.keyId).toBe(TEST_KEY.keyId);
    expect(ok.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(() => assertPassed(ok)).not.toThrow();
  });

  it('refuses when there is no verdict for that artifact (exit 1)', () => {
    storeVerdict(dir, makeVerdict({ kind: 'ami', id: 'ami-0fedcba9876543210', region: 'eu-west-1' }));
    expect(() => findEvidence(join(dir, 'verdicts'), artifact)).toThrow(
      refusal(1, /no verdict for AMI ami-0123/),
    );
  });

  it('refuses a genuine attestation of a failed test (exit 1)', () => {
    const ev = loadEvidence(
      storeVerdict(dir, makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' }, false)),
    );
    const ok = assertPromotable(ev, artifact, dev, TRUST);
    expect(() => assertPassed(ok)).toThrow(refusal(1, /records a failed test \(1 failed check\)/));
  });
});

describe('forgeries (issue 13)', () => {
  const failing = () => makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' }, false);

  it('edited predicate, signature kept: a failure flipped to a pass (exit 5)', () => {
    const env = signVerdictSync(failing());
    const st = decodeStatement(env);
    st.predicate.passed = true;
    st.predicate.suites[0]!.run.summary['failed-count'] = 0;
    const file = writeRaw(failing(), encodeEnvelope(withPayload(env, st)));
    expect(() => assertPromotable(loadEvidence(file), artifact, dev, TRUST)).toThrow(
      refusal(5, /signature does not verify/),
    );
  });

  it('edited predicate with a "recomputed hash": re-signed by the forger, under the trusted keyid or its own', () => {
    const forged = { ...failing(), passed: true };
    forged.suites[0]!.run.summary['failed-count'] = 0;
    const own = signVerdictSync(forged, OTHER_KEY);
    const file = writeRaw(forged, encodeEnvelope(own));
    expect(() => assertPromotable(loadEvidence(file), artifact, dev, TRUST)).toThrow(
      refusal(6, new RegExp(`signed by ${OTHER_KEY.keyId}, a key this stage does not trust`)),
    );
    const spoofed = { ...own, signatures: [{ keyid: TEST_KEY.keyId, sig: own.signatures[0]!.sig }] };
    writeRaw(forged, encodeEnvelope(spoofed));
    expect(() => assertPromotable(loadEvidence(file), artifact, dev, TRUST)).toThrow(
      refusal(5, /signature does not verify/),
    );
  });

  it('wrong subject: the verdict of image A used for image B (exit 7)', () => {
    const a = makeVerdict({ kind: 'docker-image', id: IMAGE_A, reference: 'web:a' });
    const file = storeVerdict(dir, a);
    const b: ResolvedArtifact = { kind: 'docker-image', id: IMAGE_B, reference: 'web:b' };
    expect(() => assertPromotable(loadEvidence(file), b, { name: 'dev' }, TRUST)).toThrow(
      refusal(7, /digest mismatch: evidence is about web:a, not image sha256:b{64}/),
    );
  });

  it('wrong subject: an AMI verdict from another region (exit 7)', () => {
    const file = storeVerdict(dir, makeVerdict({ kind: 'ami', id: AMI, region: 'us-east-1' }));
    expect(() => assertPromotable(loadEvidence(file), artifact, dev, TRUST)).toThrow(
      refusal(7, /about arn:aws:ec2:us-east-1::image\/ami-0123456789abcdef0, not arn:aws:ec2:eu-west-1/),
    );
  });

  it('a statement whose subject is image B but whose verdict names image A (exit 5)', () => {
    const a = makeVerdict({ kind: 'docker-image', id: IMAGE_A, reference: 'web:a' });
    const env = signStatementSync(
      makeStatement(subjectFor({ kind: 'docker-image', id: IMAGE_B }), VERDICT_PREDICATE, a),
    );
    const file = join(dir, 'x.verdict.json');
    writeFileSync(file, encodeEnvelope(env));
    const b: ResolvedArtifact = { kind: 'docker-image', id: IMAGE_B, reference: 'web:b' };
    expect(() => assertPromotable(loadEvidence(file), b, { name: 'dev' }, TRUST)).toThrow(
      refusal(5, /names another artifact than the statement subject/),
    );
  });

  it('signature by an untrusted key (exit 6)', () => {
    const file = storeVerdict(dir, makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' }), OTHER_KEY);
    expect(() => assertPromotable(loadEvidence(file), artifact, dev, TRUST)).toThrow(
      refusal(6, /a key this stage does not trust \(trusted: test key\) \(stage "dev"\)/),
    );
  });

  it("evidence signed by another stage's key: dev's key cannot promote into prod (exit 6)", () => {
    const devKey = testKey(3, 'dev key');
    const prodKey = testKey(4, 'prod key');
    const file = storeVerdict(dir, makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' }), devKey);
    expect(() =>
      assertPromotable(loadEvidence(file), artifact, { name: 'dev' }, [devKey.trusted]),
    ).not.toThrow();
    expect(() => assertPromotable(loadEvidence(file), artifact, { name: 'prod' }, [prodKey.trusted])).toThrow(
      refusal(6, /does not trust \(trusted: prod key\) \(stage "prod"\)/),
    );
  });

  it('the string "false" is not a boolean, even signed by a trusted key (exit 5)', () => {
    const v = failing() as unknown as Record<string, unknown>;
    v.passed = 'false';
    const env = signStatementSync(
      makeStatement(subjectFor({ kind: 'ami', id: AMI, region: 'eu-west-1' }), VERDICT_PREDICATE, v),
    );
    const file = writeRaw(failing(), encodeEnvelope(env));
    expect(() => assertPromotable(loadEvidence(file), artifact, dev, TRUST)).toThrow(
      refusal(5, /predicate does not match its schema: \/passed must be boolean/),
    );
  });

  it('results that contradict passed, even signed by a trusted key (exit 5)', () => {
    const v = { ...failing(), passed: true };
    const file = writeRaw(v, encodeEnvelope(signVerdictSync(v)));
    expect(() => assertPromotable(loadEvidence(file), artifact, dev, TRUST)).toThrow(
      refusal(5, /passed is true but its results say failed \(1 failed check\(s\)\)/),
    );
    // A summary cannot hide a failed result it lists either.
    const hidden = makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' });
    hidden.suites[0]!.run.results.push({
      'resource-id': 'tcp:23',
      'resource-type': 'Port',
      title: '',
      meta: null,
      property: 'listening',
      result: 1,
      successful: false,
      skipped: false,
      err: null,
      'matcher-result': { message: 'equal', expected: false, actual: true },
      'summary-line': "Port: tcp:23: listening: doesn't match",
      duration: 1,
      'start-time': '',
      'end-time': '',
    });
    writeRaw(hidden, encodeEnvelope(signVerdictSync(hidden)));
    expect(() => assertPromotable(loadEvidence(file), artifact, dev, TRUST)).toThrow(
      refusal(5, /lists 1 failed result\(s\) but its summary says 0/),
    );
  });

  it('truncated newest verdict: refused, never a fallback to an older passing one (exit 5)', () => {
    const old = join(dir, 'verdicts', 'older-copy.verdict.json');
    storeVerdict(dir, makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' }));
    const file = join(dir, 'verdicts', verdictFileName(artifact));
    writeFileSync(old, readFileSync(file));
    utimesSync(old, new Date('2026-11-01'), new Date('2026-11-01'));
    writeFileSync(file, readFileSync(file).subarray(0, 200));
    expect(() => findEvidence(join(dir, 'verdicts'), artifact)).toThrow(
      refusal(5, /newest evidence .* is unreadable .*refusing rather than fall back/),
    );
    // An unrelated unreadable file that is newer than the match blocks too: it may be the newest.
    writeFileSync(file, readFileSync(old));
    utimesSync(file, new Date('2026-11-02'), new Date('2026-11-02'));
    writeFileSync(join(dir, 'verdicts', 'renamed.verdict.json'), '{"payloadType":');
    expect(() => findEvidence(join(dir, 'verdicts'), artifact)).toThrow(
      refusal(5, /renamed\.verdict\.json is unreadable/),
    );
  });

  it('the old sealed format is not a signed attestation (exit 5)', () => {
    const legacy = { ...makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' }), sha256: '0'.repeat(64) };
    const file = join(dir, 'legacy.verdict.json');
    writeFileSync(file, JSON.stringify(legacy));
    expect(() => assertPromotable(loadEvidence(file), artifact, dev, TRUST)).toThrow(
      refusal(5, /not a DSSE envelope/),
    );
  });
});

describe('promotion records', () => {
  const record = (stage: string): PromotionRecord => ({
    schema: 'imagegate.promotion/v1',
    stage,
    at: '2026-11-28T08:00:00Z',
    artifact: { kind: 'ami', id: AMI, region: 'eu-west-1' },
    attestationSha256: 'c'.repeat(64),
  });
  const line = (rec: PromotionRecord, key = TEST_KEY): PromotionLine => ({
    ...rec,
    signer: key.keyId,
    attestation: signPromotionSync(rec, key),
  });
  const identity = { kind: 'ami' as const, id: AMI, region: 'eu-west-1' };

  it('a hand-written line satisfies nothing; a signed one by a trusted key does', () => {
    writeFileSync(join(dir, 'promotions.jsonl'), `${JSON.stringify(record('dev'))}\n`);
    expect(signedPromotion(readPromotionLines(dir), 'dev', identity, TRUST)).toBeUndefined();
    appendPromotion(dir, line(record('dev')));
    expect(signedPromotion(readPromotionLines(dir), 'dev', identity, TRUST)?.stage).toBe('dev');
  });

  it('a signed line whose clear-text stage was edited counts for the stage it was signed for', () => {
    const edited = { ...line(record('dev')), stage: 'staging' };
    appendPromotion(dir, edited);
    const lines = readPromotionLines(dir);
    expect(signedPromotion(lines, 'staging', identity, TRUST)).toBeUndefined();
    expect(signedPromotion(lines, 'dev', identity, TRUST)?.stage).toBe('dev');
  });

  it('a record signed by a key the required stage does not trust counts for nothing', () => {
    appendPromotion(dir, line(record('dev'), OTHER_KEY));
    expect(signedPromotion(readPromotionLines(dir), 'dev', identity, TRUST)).toBeUndefined();
  });

  it('a record about another artifact does not count', () => {
    appendPromotion(
      dir,
      line({ ...record('dev'), artifact: { kind: 'ami', id: 'ami-0fedcba9876543210', region: 'eu-west-1' } }),
    );
    expect(signedPromotion(readPromotionLines(dir), 'dev', identity, TRUST)).toBeUndefined();
  });

  it('appends atomically and skips a torn line instead of failing', () => {
    appendPromotion(dir, line(record('dev')));
    writeFileSync(
      join(dir, 'promotions.jsonl'),
      `${readFileSync(join(dir, 'promotions.jsonl'), 'utf8')}{"schema":"imag`,
    );
    appendPromotion(dir, line(record('prod')));
    expect(readPromotionLines(dir).map((r) => r.stage)).toEqual(['dev', 'prod']);
  });

  it('refuses to put an AMI into a registry stage', () => {
    const reg: Stage = { kind: 'registry', name: 'dev', repository: 'localhost:5001/dev/web', tags: [] };
    expect(() => assertStageFits(artifact, reg)).toThrow(refusal(2, /promotes container images/));
    expect(() => assertStageFits(artifact, dev)).not.toThrow();
  });
});
