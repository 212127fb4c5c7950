/**
 * Retention's apply step against moto, below the command: what `prune --apply` does to real
 * images and snapshots once a plan exists. Survey and apply run in-process with real clients
 * (AWS_ENDPOINT_URL → the test proxy) and roles assumed per account, so every re-check reads
 * what moto holds at that moment; the test changes that state between the plan and the action.
 *
 * Covered elsewhere and not repeated here: through the command, exactly the planned images and
 * their snapshots go and a second run is a no-op, a source failing only at the re-check (exit 3,
 * shared image skipped, unshared ones proceed) and the last instance check failing
 * (prune.test.ts); a kill between DeregisterImage and DeleteSnapshot (prune-kill.test.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateLaunchTemplateCommand,
  DeregisterImageCommand,
  DisableImageCommand,
  EC2Client,
  EnableImageDeprecationCommand,
  ModifyImageAttributeCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/retention/apply.js';
import { AuditLog, type AuditRecord, readAudit } from '../../src/retention/audit.js';
import type { Scope } from '../../src/retention/model.js';
import { normalizeRules } from '../../src/retention/rules.js';
import { survey } from '../../src/retention/survey.js';
import { clientIn } from './helpers/moto.js';
import type { Call } from './helpers/proxy.js';
import { pruneScope, retentionAws } from './helpers/retention.js';
import { useMoto } from './helpers/session.js';
import type { SeededImage } from './helpers/world.js';

const REGION = 'eu-west-1';
const moto = useMoto({ region: REGION });
const scope = (account: string): Scope => pruneScope(account, REGION);
const A = scope('111111111111');
const B = scope('222222222222');
const C = scope('333333333333');
const DAY = 86_400_000;
const { rules } = normalizeRules({
  keepNewest: 1,
  keepYoungerThanDays: 7,
  retainAtLeast: 0,
  stages: { disableAfterDays: 7, deregisterAfterDays: 30 },
});

let now: Date;
let dir: string;
/** Family web in A by name: w0 newest (kept), w1 to deprecate, w2 to disable, w3 and w4 to deregister. */
let img: Record<'w0' | 'w1' | 'w2' | 'w3' | 'w4', SeededImage>;
const ago = (days: number) => new Date(now.getTime() - days * DAY);

beforeEach(async () => {
  now = new Date();
  dir = mkdtempSync(join(tmpdir(), 'aws-apply-'));
  const family = { 'imagegate:family': 'web' };
  const [w0, w1, w2, w3, w4] = await Promise.all(
    [10, 20, 30, 90, 95].map((age, n) =>
      moto.world.image(A.account, REGION, `web-${n}`, { ageDays: age, tags: family }),
    ),
  );
  img = { w0, w1, w2, w3, w4 } as typeof img;
  // Earlier stages, set through the proxy: it holds deprecation and disabled state (moto cannot).
  const ec2 = clientIn(EC2Client, A.account, REGION, moto.proxy.endpoint);
  await ec2.send(new EnableImageDeprecationCommand({ ImageId: w2?.id, DeprecateAt: ago(8) }));
  for (const i of [w3, w4]) {
    await ec2.send(new EnableImageDeprecationCommand({ ImageId: i?.id, DeprecateAt: ago(40) }));
    await ec2.send(new DisableImageCommand({ ImageId: i?.id }));
  }
  // w4 was registered with w0's snapshot as a second volume (moto cannot register that).
  moto.proxy.alsoUses(img.w4.id, img.w0.snapshotIds[0] as string);
  moto.proxy.calls.length = 0;
});

async function planAndApply(
  scopes: Scope[],
  opts: { between?: () => Promise<void>; log?: string; signal?: AbortSignal } = {},
) {
  const aws = retentionAws();
  const { input, plan } = await survey(
    aws,
    { scopes, failures: [], organizationWide: false },
    { rules, ssmParameters: [], concurrency: 2, now },
  );
  await opts.between?.();
  const path = opts.log ?? join(dir, 'audit.jsonl');
  const audit = new AuditLog(path, 'run-1', () => now);
  const report = await applyPlan(aws, {
    input,
    decisions: plan.decisions,
    scopes,
    audit,
    ssmParameters: [],
    concurrency: 2,
    clock: () => now,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  audit.close();
  return { plan, report, records: readAudit(path) };
}

const nameOf = (id: string) => Object.entries(img).find(([, i]) => i.id === id)?.[0] ?? id;
const status = (r: { outcomes: Array<{ imageId: string; status: string }> }) =>
  Object.fromEntries(r.outcomes.map((o) => [nameOf(o.imageId), o.status]));
const calls = (action: string, account?: string): Call[] =>
  moto.proxy.calls.filter((c) => c.action === action && (!account || c.account === account));
/** The image-id filter values of a DescribeInstances call (query parameters, flattened). */
const imageFilter = (c: Call): string[] | undefined => {
  const n = Object.entries(c.params).find(([k, v]) => /^Filter\.\d+\.Name$/.test(k) && v === 'image-id')?.[0];
  if (!n) return undefined;
  const prefix = n.replace(/Name$/, 'Value.');
  return Object.entries(c.params)
    .filter(([k]) => k.startsWith(prefix))
    .map(([, v]) => nameOf(String(v)));
};
const snapshotsLeft = () => moto.world.snapshotIds(A.account, REGION);

describe('retention apply against moto', () => {
  it('deprecates, disables and deregisters per stage, keeping a snapshot another image still uses', async () => {
    const { plan, report, records } = await planAndApply([A]);
    expect(plan.decisions.map((d) => [nameOf(d.image.id), d.action])).toEqual([
      ['w0', 'keep'],
      ['w1', 'deprecate'],
      ['w2', 'disable'],
      ['w3', 'deregister'],
      ['w4', 'deregister'],
    ]);
    expect(status(report)).toEqual({ w1: 'done', w2: 'done', w3: 'done', w4: 'done' });
    // Next whole minute: EC2 refuses a deprecation time in the past.
    const deprecated = calls('EnableImageDeprecation');
    expect(deprecated.map((c) => nameOf(String(c.params.ImageId)))).toEqual(['w1']);
    const at = new Date(String(deprecated[0]?.params.DeprecateAt));
    expect(at.getTime() % 60_000).toBe(0);
    expect(at.getTime() - now.getTime()).toBeGreaterThan(0);
    expect(at.getTime() - now.getTime()).toBeLessThanOrEqual(60_000);
    expect(calls('DisableImage').map((c) => nameOf(String(c.params.ImageId)))).toEqual(['w2']);

    expect(await moto.world.imageIds(A.account, REGION)).toEqual([img.w0.id, img.w1.id, img.w2.id].sort());
    // w3's and w4's own snapshots are gone; w0's, which w4 also used, stays with w0.
    expect(await snapshotsLeft()).toEqual([img.w0, img.w1, img.w2].flatMap((i) => i.snapshotIds).sort());
    expect(records.find((r) => r.event === 'snapshot-kept')).toMatchObject({
      imageId: img.w4.id,
      snapshotId: img.w0.snapshotIds[0],
      detail: `used by ${img.w0.id}`,
    });
    expect(records.filter((r) => r.imageId === img.w3.id).map((r) => r.event)).toEqual([
      'intent',
      'result',
      'snapshot-deleted',
      'snapshots-done',
    ]);
    expect(records[0]?.event).toBe('run-start');
    expect(records.at(-1)).toMatchObject({ event: 'run-end', ok: true });
  });

  it('re-checks usage right before acting: an instance launched since the plan saves its image', async () => {
    let instance = '';
    const { report } = await planAndApply([A], {
      between: async () => {
        const run = await moto.world
          .ec2(A.account, REGION)
          .send(new RunInstancesCommand({ ImageId: img.w3.id, MinCount: 1, MaxCount: 1 }));
        instance = run.Instances?.[0]?.InstanceId as string;
      },
    });
    expect(status(report)).toEqual({ w1: 'done', w2: 'done', w3: 'skipped', w4: 'done' });
    expect(report.outcomes.find((o) => o.imageId === img.w3.id)?.detail).toContain(`${instance} (`);
    expect(await moto.world.imageIds(A.account, REGION)).toContain(img.w3.id);
    expect(await snapshotsLeft()).toEqual(expect.arrayContaining(img.w3.snapshotIds));
    // Survey (unfiltered), the batch re-check for exactly its images, then w4's last check.
    expect(calls('DescribeInstances', A.account).map(imageFilter)).toEqual([
      undefined,
      ['w1', 'w2', 'w3', 'w4'],
      ['w4'],
    ]);
  });

  it('asks instances once more right before deregistering', async () => {
    let instance = '';
    // Between the batch re-check and w4's own last check (w3 is deregistered in between).
    moto.proxy.before({
      action: 'DescribeInstances',
      when: (p) => imageFilter({ params: p } as Call)?.join() === 'w4',
      run: async () => {
        const run = await moto.world
          .ec2(A.account, REGION)
          .send(new RunInstancesCommand({ ImageId: img.w4.id, MinCount: 1, MaxCount: 1 }));
        instance = run.Instances?.[0]?.InstanceId as string;
      },
    });
    const { report } = await planAndApply([A]);
    expect(status(report)).toEqual({ w1: 'done', w2: 'done', w3: 'done', w4: 'skipped' });
    expect(report.outcomes.find((o) => o.imageId === img.w4.id)?.detail).toBe(
      `in use since the batch re-check: ${instance} (running) in ${A.account}/${REGION}`,
    );
    expect(await moto.world.imageIds(A.account, REGION)).toContain(img.w4.id);
  });

  it('re-checks usage in the other accounts of the region too', async () => {
    await moto.world.ec2(A.account, REGION).send(
      new ModifyImageAttributeCommand({
        ImageId: img.w4.id,
        LaunchPermission: { Add: [{ UserId: B.account }] },
      }),
    );
    const { report } = await planAndApply([A, B], {
      between: async () => {
        await moto.world.ec2(B.account, REGION).send(
          new CreateLaunchTemplateCommand({
            LaunchTemplateName: 'uses-w4',
            LaunchTemplateData: { ImageId: img.w4.id },
          }),
        );
      },
    });
    expect(status(report).w4).toBe('skipped');
    expect(await moto.world.imageIds(A.account, REGION)).toContain(img.w4.id);
  });

  it('does not re-list accounts that cannot launch any image of the batch', async () => {
    const { report } = await planAndApply([A, C]);
    expect(Object.values(status(report))).toEqual(['done', 'done', 'done', 'done']);
    // Survey only: C shares nothing with A, so the re-checks never ask it.
    expect(calls('DescribeLaunchTemplates', C.account)).toHaveLength(1);
    expect(calls('DescribeInstances', C.account)).toHaveLength(1);
  });

  it('survives throttling and records partial failures without stopping the run', async () => {
    // moto never throttles nor refuses a deregistration: both faults come from the test proxy.
    moto.proxy.fault({ action: 'DisableImage', times: 1, code: 'RequestLimitExceeded' });
    moto.proxy.fault({
      action: 'DeregisterImage',
      when: (p) => p.ImageId === img.w3.id,
      code: 'InvalidParameterValue',
      message: 'Cannot deregister: in use by a managed service',
    });
    const { report, records } = await planAndApply([A]);
    expect(status(report)).toEqual({ w1: 'done', w2: 'done', w3: 'failed', w4: 'done' });
    expect(calls('DisableImage')).toHaveLength(2);
    expect(records.find((r) => r.imageId === img.w3.id && r.event === 'result')).toMatchObject({
      ok: false,
      error: 'InvalidParameterValue: Cannot deregister: in use by a managed service',
    });
    expect(await moto.world.imageIds(A.account, REGION)).toContain(img.w3.id);
    const left = await snapshotsLeft();
    expect(left).toEqual(expect.arrayContaining(img.w3.snapshotIds));
    for (const s of img.w4.snapshotIds) expect(left).not.toContain(s);
    expect(records.at(-1)).toMatchObject({ event: 'run-end', ok: false });
  });

  it('waits out InvalidSnapshot.InUse right after deregistering', async () => {
    // AWS may still report the snapshot in use for a while after DeregisterImage; moto frees it
    // at once, so the proxy answers InUse to the first attempt.
    const snap = img.w3.snapshotIds[0] as string;
    moto.proxy.fault({
      action: 'DeleteSnapshot',
      when: (p) => p.SnapshotId === snap,
      times: 1,
      code: 'InvalidSnapshot.InUse',
      message: `${snap} is currently in use by ${img.w3.id}`,
    });
    const { report } = await planAndApply([A]);
    expect(status(report).w3).toBe('done');
    expect(calls('DeleteSnapshot').filter((c) => c.params.SnapshotId === snap)).toHaveLength(2);
    expect(await snapshotsLeft()).not.toContain(snap);
  });

  it('a re-run after an interruption finishes the snapshots of an image already deregistered', async () => {
    // An earlier run died between DeregisterImage and DeleteSnapshot (last line torn mid-write);
    // its image also used w0's snapshot, which must survive.
    const ec2 = moto.world.ec2(A.account, REGION);
    const gone = await moto.world.image(A.account, REGION, 'web-gone', { ageDays: 200 });
    await ec2.send(new DeregisterImageCommand({ ImageId: gone.id }));
    const snap0 = img.w0.snapshotIds[0] as string;
    const log = join(dir, 'audit.jsonl');
    const at = { imageId: gone.id, account: A.account, region: REGION, action: 'deregister' as const };
    const earlier: AuditRecord[] = [
      { ts: ago(1).toISOString(), runId: 'run-0', event: 'run-start' },
      {
        ts: ago(1).toISOString(),
        runId: 'run-0',
        event: 'intent',
        ...at,
        snapshotIds: [...gone.snapshotIds, snap0],
      },
      { ts: ago(1).toISOString(), runId: 'run-0', event: 'result', ...at, ok: true },
    ];
    const head = earlier.map((r) => JSON.stringify(r)).join('\n');
    writeFileSync(log, `${head}\n{"ts":"2026-11-27T`);
    const { report, records } = await planAndApply([A], { log });
    expect(report.resumed).toEqual([{ ...at, status: 'done', detail: 'resumed: 2 snapshot(s) handled' }]);
    const left = await snapshotsLeft();
    for (const s of gone.snapshotIds) expect(left).not.toContain(s);
    expect(left).toContain(snap0);
    expect(records.filter((r) => r.imageId === gone.id).map((r) => r.event)).toEqual([
      'intent',
      'result',
      'snapshot-deleted',
      'snapshot-kept',
      'snapshots-done',
    ]);
    // Append-only: the earlier lines are untouched.
    expect(readFileSync(log, 'utf8').startsWith(head)).toBe(true);
  });

  it('skips what is left once the signal is aborted, and says so in the audit log', async () => {
    const before = await moto.world.state([A.account], [REGION]);
    const controller = new AbortController();
    controller.abort();
    const { report, records } = await planAndApply([A], { signal: controller.signal });
    expect(
      report.outcomes.every((o) => o.status === 'skipped' && o.detail === 'interrupted before acting'),
    ).toBe(true);
    expect(records.filter((r) => r.event === 'skip')).toHaveLength(4);
    expect(
      moto.proxy.calls.filter((c) =>
        /^(EnableImageDeprecation|DisableImage|Deregister|Delete)/.test(c.action),
      ),
    ).toEqual([]);
    expect(await moto.world.state([A.account], [REGION])).toEqual(before);
  });
});
