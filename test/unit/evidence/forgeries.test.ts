/**
 * Issue 13's forgeries, each as a file on disk, through `verify` (the deploy-time command's
 * library call) and `report`: verify refuses each with its exit code, report flags each and
 * leaves its checks out of every total. (promote's refusals: test/unit/promote/eligibility.test.ts.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { encodeEnvelope } from '../../../src/evidence/dsse.js';
import { makeStatement, subjectFor, VERDICT_PREDICATE } from '../../../src/evidence/statement.js';
import type { Verdict } from '../../../src/evidence/verdict.js';
import { verifyArtifact } from '../../../src/promote/verify-artifact.js';
import { buildReportModel } from '../../../src/report/compliance/assemble.js';
import { loadInputs } from '../../../src/report/compliance/load.js';
import {
  decodeStatement,
  installDevKey,
  OTHER_KEY,
  signedVerdictBytes,
  signStatementSync,
  signVerdictSync,
  TEST_KEY,
  testKey,
  withPayload,
} from '../../helpers/evidence.js';
import { makeVerdict } from '../../helpers/verdicts.js';

const AMI = 'ami-0123456789abcdef0';
const OTHER_AMI = 'ami-0fedcba9876543210';
const ec2 = mockClient(EC2Client);
let dir: string;

/** A verdict with one listed result, so a report would count its check if it let it in. */
function withCheck(v: Verdict): Verdict {
  const ok = v.passed;
  v.suites[0]!.run.results.push({
    'resource-id': '/etc/app',
    'resource-type': 'File',
    title: '',
    meta: null,
    property: 'exists',
    result: ok ? 0 : 1,
    successful: ok,
    skipped: false,
    err: null,
    'matcher-result': { message: 'equal', expected: true, actual: ok },
    'summary-line': '',
    duration: 1,
    'start-time': '',
    'end-time': '',
  });
  return v;
}
const failing = (): Verdict => withCheck(makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' }, false));
const passing = (id = AMI): Verdict => withCheck(makeVerdict({ kind: 'ami', id, region: 'eu-west-1' }));
const statementOf = (v: unknown) =>
  makeStatement(subjectFor({ kind: 'ami', id: AMI, region: 'eu-west-1' }), VERDICT_PREDICATE, v);

/** name → [envelope bytes, exit code from verify, reject code in the report]. */
function forgeries(): Record<string, [Buffer, number, string]> {
  const flipped = (() => {
    const env = signVerdictSync(failing());
    const st = decodeStatement(env);
    st.predicate.passed = true;
    st.predicate.suites[0]!.run.summary['failed-count'] = 0;
    st.predicate.suites[0]!.run.results[0]!.result = 0;
    return encodeEnvelope(withPayload(env, st));
  })();
  const resigned = (() => {
    return signedVerdictBytes(passing(), OTHER_KEY);
  })();
  const stringFalse = { ...failing(), passed: 'false' };
  return {
    'edited predicate, signature kept': [flipped, 5, 'bad-signature'],
    'edited predicate, re-signed by the forger': [resigned, 6, 'untrusted'],
    'wrong subject: the verdict of another AMI': [
      signedVerdictBytes(passing(OTHER_AMI)),
      7,
      'verified-but-elsewhere',
    ],
    'signature by an untrusted key': [signedVerdictBytes(passing(), OTHER_KEY), 6, 'untrusted'],
    "evidence of another stage's key": [
      signedVerdictBytes(passing(), testKey(9, 'staging key')),
      6,
      'untrusted',
    ],
    'the string "false"': [encodeEnvelope(signStatementSync(statementOf(stringFalse))), 5, 'schema'],
    'results that contradict passed': [
      encodeEnvelope(signStatementSync(statementOf({ ...failing(), passed: true }))),
      5,
      'inconsistent',
    ],
    'truncated verdict': [signedVerdictBytes(failing()).subarray(0, 300), 5, 'unreadable'],
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'imagegate-forgeries-'));
  installDevKey(join(dir, '.imagegate'));
  ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: AMI, OwnerId: '111111111111', Tags: [] }] });
});
afterAll(() => {
  ec2.reset();
  rmSync(dir, { recursive: true, force: true });
});

describe('verify refuses every forgery', () => {
  for (const [name, [bytes, exit]] of Object.entries(forgeries())) {
    it(`${name}: exit ${exit}`, async () => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.verdict.json`);
      writeFileSync(file, bytes);
      await expect(
        verifyArtifact({
          artifact: AMI,
          region: 'eu-west-1',
          stage: 'prod',
          stages: { prod: { trust: ['local-dev'], regions: ['eu-west-1'] } },
          configDir: dir,
          stateDir: join(dir, '.imagegate'),
          evidence: file,
          awsClients: new AwsClients(),
        }),
      ).rejects.toMatchObject({ exitCode: exit, message: expect.stringMatching(/^refused: /) });
    });
  }

  it('and accepts the genuine attestation of a pass', async () => {
    const file = join(dir, 'genuine.verdict.json');
    writeFileSync(file, signedVerdictBytes(passing()));
    const r = await verifyArtifact({
      artifact: AMI,
      region: 'eu-west-1',
      stage: 'prod',
      stages: { prod: { trust: ['local-dev'], regions: ['eu-west-1'] } },
      configDir: dir,
      stateDir: join(dir, '.imagegate'),
      evidence: file,
      awsClients: new AwsClients(),
    });
    expect(r.signer).toMatch(/^local-dev key /);
  });
});

describe('report flags every forgery and counts none of its checks', () => {
  it('marks each tampered with the reason, and totals only the genuine verdict', () => {
    const vdir = join(dir, 'report');
    mkdirSync(vdir);
    const all = forgeries();
    for (const [name, [bytes]] of Object.entries(all)) {
      writeFileSync(join(vdir, `${name.replace(/\W+/g, '-')}.verdict.json`), bytes);
    }
    writeFileSync(join(vdir, 'genuine.verdict.json'), signedVerdictBytes(passing()));
    const inputs = loadInputs({
      verdictPaths: [vdir],
      lintFiles: [],
      promotionFiles: [],
      pruneFiles: [],
      policyDirs: [],
      controls: {},
      trust: [TEST_KEY.trusted],
    });
    const codes = Object.fromEntries(
      inputs.verdicts.map((v) => [v.file.split('/').at(-1), v.check.code ?? 'verified']),
    );
    for (const [name, [, , code]] of Object.entries(all)) {
      const file = `${name.replace(/\W+/g, '-')}.verdict.json`;
      // A report has no artifact in hand: another AMI's genuine verdict is simply that AMI's.
      expect(codes[file]).toBe(code === 'verified-but-elsewhere' ? 'verified' : code);
    }
    const m = buildReportModel(inputs, { title: 't', generatedAt: 'now', toolVersion: '0' });
    expect(m.summary).toMatchObject({ artifacts: 9, tampered: 7, passed: 2, failed: 0 });
    // Each forgery lists one check (failed, or claimed passed); only the two verified ones count.
    const sum = (xs: typeof m.artifacts) =>
      xs.reduce((n, a) => ({ pass: n.pass + a.checks.pass, fail: n.fail + a.checks.fail }), {
        pass: 0,
        fail: 0,
      });
    const forged = sum(m.artifacts.filter((a) => !a.intact));
    // The forgeries do list checks (shown for investigation) ...
    expect(forged.pass + forged.fail).toBeGreaterThan(0);
    // ... and none of them reaches the totals, which are the verified artifacts' alone.
    expect(m.summary.checks).toMatchObject(sum(m.artifacts.filter((a) => a.intact)));
    expect(m.summary.checks.fail).toBe(0);
  });
});
