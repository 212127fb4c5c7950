/**
 * `imagegate plan --stale` against moto, through the command: the last promoted build of `app`
 * started from an older Debian AMI; the template's source_ami_filter now finds a newer one, so
 * `app` is listed as stale. `fixed` was built from the image its filter still finds (current), and
 * `legacy` has only a verdict written before bases were recorded (unknown).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from '../../src/cli/plan.js';
import { runCommand } from '../helpers/cli.js';
import { promoteWithBase } from '../helpers/stale-state.js';
import { awsEnv, MANAGEMENT, MOTO_ENDPOINT, resetMoto, useEnv } from './helpers/moto.js';
import { type MotoProxy, startMotoProxy } from './helpers/proxy.js';
import { MotoWorld } from './helpers/world.js';

const REGION = 'eu-west-1';
let proxy: MotoProxy;
let restoreEnv: () => void;
let dir: string;
const amis: Record<string, string> = {};

const template = (name: string) => `
source "amazon-ebs" "${name}" {
  region        = "${REGION}"
  instance_type = "t3.micro"
  ssh_username  = "admin"
  ami_name      = "${name}-{{timestamp}}"
  source_ami_filter {
    filters     = { name = "${name === 'fixed' ? 'fixed-base-*' : 'debian-12-amd64-*'}" }
    owners      = ["self"]
    most_recent = true
  }
}
build { sources = ["source.amazon-ebs.${name}"] }
`;

beforeAll(async () => {
  await resetMoto();
  proxy = await startMotoProxy(MOTO_ENDPOINT);
  const world = new MotoWorld(MOTO_ENDPOINT, proxy.age);
  restoreEnv = useEnv(awsEnv(proxy.endpoint, REGION));
  amis.older = (await world.image(MANAGEMENT, REGION, 'debian-12-amd64-20261001', { ageDays: 60 })).id;
  amis.newer = (await world.image(MANAGEMENT, REGION, 'debian-12-amd64-20261201', { ageDays: 4 })).id;
  await world.image(MANAGEMENT, REGION, 'ubuntu-24-amd64-20261204', { ageDays: 1 }); // filtered out
  amis.fixed = (await world.image(MANAGEMENT, REGION, 'fixed-base-1', { ageDays: 30 })).id;

  dir = mkdtempSync(join(tmpdir(), 'ig-plan-stale-'));
  for (const n of ['app', 'fixed', 'legacy']) writeFileSync(join(dir, `${n}.pkr.hcl`), template(n));
  writeFileSync(
    join(dir, 'imagegate.yaml'),
    'version: 1\nimages:\n' +
      ['app', 'fixed', 'legacy']
        .map((n) => `  ${n}:\n    template: ${n}.pkr.hcl\n    suites: [builtin:cleanup]\n`)
        .join(''),
  );
  const state = join(dir, '.imagegate');
  const built = (id: string) => ({ kind: 'ami' as const, id, region: REGION });
  promoteWithBase(state, 'app', built('ami-0aaa0000000000001'), {
    kind: 'ami',
    id: amis.older!,
    region: REGION,
  });
  promoteWithBase(state, 'fixed', built('ami-0aaa0000000000002'), {
    kind: 'ami',
    id: amis.fixed!,
    region: REGION,
  });
  promoteWithBase(state, 'legacy', built('ami-0aaa0000000000003'), undefined);
});

afterAll(async () => {
  restoreEnv?.();
  await proxy?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('plan --stale', () => {
  it('lists exactly the image whose source_ami_filter now finds a newer AMI', async () => {
    const state = join(dir, '.imagegate');
    const r = await runCommand(register, 'plan', [
      '-c',
      join(dir, 'imagegate.yaml'),
      '--stale',
      '--out',
      state,
      '--json',
    ]);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      images: ['app'],
      include: [{ image: 'app' }],
      because: { app: [`base ${amis.older} → ${amis.newer} (amazon-ebs.app)`] },
      unknown: {
        legacy: expect.stringMatching(/^unknown base: the verdict of ami-0aaa0000000000003 predates/),
      },
    });

    const text = await runCommand(register, 'plan', [
      '-c',
      join(dir, 'imagegate.yaml'),
      '--stale',
      '--out',
      state,
    ]);
    expect(text.stdout.trim().split('\n')).toEqual([
      `app\tstale: base ${amis.older} → ${amis.newer} (amazon-ebs.app)`,
      `fixed\tcurrent: base ${amis.fixed}`,
      expect.stringMatching(/^legacy\tunknown: unknown base/),
    ]);
  });
});
