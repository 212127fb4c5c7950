/**
 * Issue 13's forgeries (test/helpers/forgeries.ts), each as a file on disk, through `report`:
 * it flags each and leaves its checks out of every total. `verify` refusing each, with the AMI
 * looked up in moto, is test/aws/verify-ami.test.ts; promote's refusals are
 * test/unit/promote/eligibility.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportModel } from '../../../src/report/compliance/assemble.js';
import { loadInputs } from '../../../src/report/compliance/load.js';
import { signedVerdictBytes, TEST_KEY } from '../../helpers/evidence.js';
import { forgeries, passingVerdict } from '../../helpers/forgeries.js';

const AMI = 'ami-0123456789abcdef0';
const OTHER_AMI = 'ami-0fedcba9876543210';
let dir: string;
const all = () => forgeries(AMI, OTHER_AMI);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'imagegate-forgeries-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('report flags every forgery and counts none of its checks', () => {
  it('marks each tampered with the reason, and totals only the genuine verdict', () => {
    const vdir = join(dir, 'report');
    mkdirSync(vdir);
    const every = all();
    for (const [name, [bytes]] of Object.entries(every)) {
      writeFileSync(join(vdir, `${name.replace(/\W+/g, '-')}.verdict.json`), bytes);
    }
    writeFileSync(join(vdir, 'genuine.verdict.json'), signedVerdictBytes(passingVerdict(AMI)));
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
    for (const [name, [, , code]] of Object.entries(every)) {
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
