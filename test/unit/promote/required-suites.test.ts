import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SuiteEvidence, Verdict } from '../../../src/evidence/verdict.js';
import { assertRequiredSuites } from '../../../src/promote/required-suites.js';
import { loadSuite } from '../../../src/suite/load.js';
import { makeVerdict } from '../../helpers/verdicts.js';

/** A forged-by-omission verdict: the image passed only the suites its tester chose to run. */
describe('promote requires the suites imagegate.yaml configures for the image', () => {
  let dir: string;
  let app: string;
  let vars: string;
  let images: Parameters<typeof assertRequiredSuites>[2];
  const ran = async (path: string, v: string[] = []): Promise<SuiteEvidence> => {
    const s = await loadSuite(path, { vars: v });
    return {
      name: s.name,
      digest: s.digest,
      run: makeVerdict({ kind: 'docker-image', id: 'x' }).suites[0]!.run,
    };
  };
  const verdict = (image: string | undefined, suites: SuiteEvidence[]): Verdict => ({
    ...makeVerdict({ kind: 'docker-image', id: 'sha256:' + 'b'.repeat(64) }),
    ...(image ? { image } : {}),
    suites,
  });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'imagegate-required-'));
    app = join(dir, 'app.yaml');
    writeFileSync(app, 'file:\n  /etc/passwd:\n    exists: true\n');
    vars = join(dir, 'vars.yaml');
    writeFileSync(vars, 'bootEnv: [WORKER_TOKEN]\n');
    images = { app: { suites: [app, 'builtin:no-secrets'], suiteVars: [vars] } };
  });

  it('accepts a verdict that ran every configured suite as it renders now (extra suites are fine)', async () => {
    const v = verdict('app', [
      await ran(app, [vars]),
      await ran('builtin:no-secrets', [vars]),
      await ran('builtin:cleanup'),
    ]);
    await expect(assertRequiredSuites('v.json', v, images)).resolves.toBeUndefined();
  });

  it('refuses a passing re-test that left a configured suite out, naming it (exit 1)', async () => {
    const v = verdict('app', [await ran(app, [vars])]);
    await expect(assertRequiredSuites('v.json', v, images)).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(
        /^refused: v\.json: image app must pass suite builtin:no-secrets .*did not run it/,
      ),
    });
  });

  it('refuses a suite that ran with other vars or has changed since', async () => {
    const v = verdict('app', [await ran(app, [vars]), await ran('builtin:no-secrets')]);
    await expect(assertRequiredSuites('v.json', v, images)).rejects.toThrow(
      /suite builtin:no-secrets changed since image app was tested/,
    );
  });

  it('refuses an ad hoc verdict naming no image, and one about an image the config does not have', async () => {
    const all = [await ran(app, [vars]), await ran('builtin:no-secrets', [vars])];
    await expect(assertRequiredSuites('v.json', verdict(undefined, all), images)).rejects.toThrow(
      /names no image from imagegate\.yaml .*--image NAME \(one of app\)/,
    );
    await expect(assertRequiredSuites('v.json', verdict('web', all), images)).rejects.toThrow(
      /about image "web", which imagegate\.yaml does not configure/,
    );
  });

  it('checks nothing when imagegate.yaml configures no images (stages only)', async () => {
    await expect(assertRequiredSuites('v.json', verdict(undefined, []), {})).resolves.toBeUndefined();
  });
});
