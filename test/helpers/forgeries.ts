/**
 * Issue 13's forgeries of an AMI's verdict, as envelope bytes, each with the exit code `verify`
 * refuses it with and the code a report flags it with. Shared by the report's unit test and
 * `verify`'s test against moto (test/aws/verify-ami.test.ts), which needs a real AMI id.
 */
import { encodeEnvelope } from '../../src/evidence/dsse.js';
import { makeStatement, subjectFor, VERDICT_PREDICATE } from '../../src/evidence/statement.js';
import type { Verdict } from '../../src/evidence/verdict.js';
import {
  decodeStatement,
  OTHER_KEY,
  signedVerdictBytes,
  signStatementSync,
  signVerdictSync,
  testKey,
  withPayload,
} from './evidence.js';
import { makeVerdict } from './verdicts.js';

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
export const failingVerdict = (ami: string): Verdict =>
  withCheck(makeVerdict({ kind: 'ami', id: ami, region: 'eu-west-1' }, false));
export const passingVerdict = (ami: string): Verdict =>
  withCheck(makeVerdict({ kind: 'ami', id: ami, region: 'eu-west-1' }));

/** name → [envelope bytes, exit code from verify, reject code in the report], about `ami` (`other`: another AMI). */
export function forgeries(ami: string, other: string): Record<string, [Buffer, number, string]> {
  const failing = () => failingVerdict(ami);
  const passing = (id = ami) => passingVerdict(id);
  const statementOf = (v: unknown) =>
    makeStatement(subjectFor({ kind: 'ami', id: ami, region: 'eu-west-1' }), VERDICT_PREDICATE, v);
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
      signedVerdictBytes(passing(other)),
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
