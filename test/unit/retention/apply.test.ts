import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DisableImageCommand,
  EnableImageDeprecationCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/retention/apply.js';
import { AuditLog, type AuditRecord, readAudit } from '../../../src/retention/audit.js';
import type { Scope } from '../../../src/retention/model.js';
import { normalizeRules } from '../../../src/retention/rules.js';
import { survey } from '../../../src/retention/survey.js';
import { AwsError, emptyScope, type ScopeData, sdkImage } from '../../helpers/aws-world.js';
import { mockWorld } from './mocks.js';

const NOW = new Date('2026-11-28T08:00:00.000Z');
const DAY = 86_400_000;
const A: Scope = {
  account: '111111111111',
  region: 'eu-west-1',
  roleArn: 'arn:aws:iam::111111111111:role/p',
};
const B: Scope = {
  account: '222222222222',
  region: 'eu-west-1',
  roleArn: 'arn:aws:iam::222222222222:role/p',
};
const { rules } = normalizeRules({
  keepNewest: 1,
  keepYoungerThanDays: 7,
  retainAtLeast: 0,
  stages: { disableAfterDays: 7, deregisterAfterDays: 30 },
});
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

/** Family web in A: #0 newest (kept), #1 to deprecate, #2 to disable, #3 and #4 to deregister; #4 shares a snapshot with #0. */
function world(): ScopeData {
  const d = emptyScope();
  d.images = [
    sdkImage('ami-0', 10, 'web', NOW),
    sdkImage('ami-1', 20, 'web', NOW),
    sdkImage('ami-2', 30, 'web', NOW, { DeprecationTime: ago(8) }),
    sdkImage('ami-3', 90, 'web', NOW, { DeprecationTime: ago(40), State: 'disabled' }),
    sdkImage('ami-4', 95, 'web', NOW, {
      DeprecationTime: ago(40),
      State: 'disabled',
      BlockDeviceMappings: [{ Ebs: { SnapshotId: 'snap-4' } }, { Ebs: { SnapshotId: 'snap-0' } }],
    }),
  ];
  return d;
}

let dir = '';
afterEach(() => {
  dir = '';
});

async function planAndApply(
  data: Array<[Scope, ScopeData]>,
  tweak?: (m: ReturnType<typeof mockWorld>) => void,
  log?: string,
) {
  const m = mockWorld(data);
  const scopes = data.map(([s]) => s);
  const resolved = { scopes, failures: [], organizationWide: false };
  const { input, plan } = await survey(m.aws, resolved, {
    rules,
    ssmParameters: [],
    concurrency: 2,
    now: NOW,
  });
  tweak?.(m);
  dir = dir || mkdtempSync(join(tmpdir(), 'prune-'));
  const path = log ?? join(dir, 'audit.jsonl');
  const audit = new AuditLog(path, 'run-1', () => NOW);
  const report = await applyPlan(m.aws, {
    input,
    decisions: plan.decisions,
    scopes,
    audit,
    ssmParameters: [],
    concurrency: 2,
    clock: () => NOW,
  });
  audit.close();
  return { m, plan, report, records: readAudit(path), path };
}

const status = (r: { outcomes: Array<{ imageId: string; status: string }> }) =>
  Object.fromEntries(r.outcomes.map((o) => [o.imageId, o.status]));

describe('applyPlan', () => {
  it('deprecates, disables and deregisters per stage, deleting only snapshots no other image uses', async () => {
    const a = world();
    const { plan, report, m, records } = await planAndApply([[A, a]]);
    expect(plan.decisions.map((d) => [d.image.id, d.action])).toEqual([
      ['ami-0', 'keep'],
      ['ami-1', 'deprecate'],
      ['ami-2', 'disable'],
      ['ami-3', 'deregister'],
      ['ami-4', 'deregister'],
    ]);
    expect(status(report)).toEqual({ 'ami-1': 'done', 'ami-2': 'done', 'ami-3': 'done', 'ami-4': 'done' });
    const ec2 = m.mocks.get('111111111111/eu-west-1')!.ec2;
    // Next whole minute: EC2 refuses a deprecation time in the past.
    expect(ec2.commandCalls(EnableImageDeprecationCommand)[0]!.args[0].input).toEqual({
      ImageId: 'ami-1',
      DeprecateAt: new Date('2026-11-28T08:01:00.000Z'),
    });
    expect(ec2.commandCalls(DisableImageCommand).map((c) => c.args[0].input.ImageId)).toEqual(['ami-2']);
    expect(ec2.commandCalls(DeregisterImageCommand).map((c) => c.args[0].input.ImageId)).toEqual([
      'ami-3',
      'ami-4',
    ]);
    expect(a.deletedSnapshots.sort()).toEqual(['snap-3', 'snap-4']);
    expect(a.images.map((i) => [i.ImageId, i.State])).toEqual([
      ['ami-0', 'available'],
      ['ami-1', 'available'],
      ['ami-2', 'disabled'],
    ]);
    const kept = records.find((r) => r.event === 'snapshot-kept');
    expect(kept).toMatchObject({ imageId: 'ami-4', snapshotId: 'snap-0', detail: 'used by ami-0' });
    const events = records.filter((r) => r.imageId === 'ami-3').map((r) => r.event);
    expect(events).toEqual(['intent', 'result', 'snapshot-deleted', 'snapshots-done']);
    expect(records[0]?.event).toBe('run-start');
    expect(records.at(-1)).toMatchObject({ event: 'run-end', ok: true });
  });

  it('re-checks usage right before acting: an instance launched since the plan saves its image', async () => {
    const a = world();
    const { report, m } = await planAndApply([[A, a]], () => {
      a.instances.push({ InstanceId: 'i-new', ImageId: 'ami-3', State: { Name: 'pending' } });
    });
    expect(status(report)['ami-3']).toBe('skipped');
    expect(report.outcomes.find((o) => o.imageId === 'ami-3')?.detail).toContain('i-new (pending)');
    const ec2 = m.mocks.get('111111111111/eu-west-1')!.ec2;
    expect(ec2.commandCalls(DeregisterImageCommand).map((c) => c.args[0].input.ImageId)).toEqual(['ami-4']);
    // The re-check asks for exactly the batch's images, any account in the region.
    const asked = ec2
      .commandCalls(DescribeInstancesCommand)
      .map((c) => c.args[0].input.Filters?.find((f) => f.Name === 'image-id')?.Values);
    // Survey (unfiltered), batch re-check, then once more right before each deregistration.
    expect(asked).toEqual([undefined, ['ami-1', 'ami-2', 'ami-3', 'ami-4'], ['ami-4']]);
  });

  it('asks instances once more right before deregistering', async () => {
    const a = world();
    let checks = 0;
    const { report } = await planAndApply([[A, a]], (mw) => {
      mw.mocks
        .get('111111111111/eu-west-1')!
        .ec2.on(DescribeInstancesCommand)
        .callsFake(async (input) => {
          // The batch re-check sees nothing; an instance appears before ami-4's turn.
          const ids = input.Filters?.find((f: { Name?: string }) => f.Name === 'image-id')?.Values ?? [];
          checks++;
          const late = ids.length === 1 && ids[0] === 'ami-4';
          return {
            Reservations: late
              ? [{ Instances: [{ InstanceId: 'i-late', ImageId: 'ami-4', State: { Name: 'running' } }] }]
              : [],
          };
        });
    });
    expect(status(report)).toEqual({ 'ami-1': 'done', 'ami-2': 'done', 'ami-3': 'done', 'ami-4': 'skipped' });
    expect(report.outcomes.find((o) => o.imageId === 'ami-4')?.detail).toBe(
      'in use since the batch re-check: i-late (running) in 111111111111/eu-west-1',
    );
    expect(checks).toBe(3);
  });

  it('re-checks usage in the other accounts of the region too', async () => {
    const a = world();
    const b = emptyScope();
    a.launchPermissions['ami-4'] = [{ UserId: B.account }];
    const { report } = await planAndApply(
      [
        [A, a],
        [B, b],
      ],
      () => {
        b.launchTemplates.push({ id: 'lt-b', versions: [{ number: 7, imageId: 'ami-4' }] });
      },
    );
    expect(status(report)['ami-4']).toBe('skipped');
    expect(a.images.some((i) => i.ImageId === 'ami-4')).toBe(true);
  });

  it('does not re-list accounts that cannot launch any image of the batch', async () => {
    const a = world();
    const c = emptyScope();
    const C: Scope = {
      account: '333333333333',
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::333333333333:role/p',
    };
    const { report, m } = await planAndApply([
      [A, a],
      [C, c],
    ]);
    expect(Object.values(status(report))).toEqual(['done', 'done', 'done', 'done']);
    // Survey only: C shares nothing with A, so the re-checks never ask it.
    expect(
      m.mocks.get('333333333333/eu-west-1')!.ec2.commandCalls(DescribeLaunchTemplatesCommand),
    ).toHaveLength(1);
    expect(m.mocks.get('333333333333/eu-west-1')!.ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });

  it('retires nothing in a scope whose usage source fails during the re-check', async () => {
    const a = world();
    const { report, m } = await planAndApply([[A, a]], (mw) => {
      mw.mocks
        .get('111111111111/eu-west-1')!
        .ec2.on(DescribeLaunchTemplatesCommand)
        .rejects(new AwsError('UnauthorizedOperation'));
    });
    expect(Object.values(status(report))).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(report.outcomes[0]?.detail).toContain('launch-template: UnauthorizedOperation');
    // Reported as a failure of the run, once, not only as skips (issue 19).
    expect(report.failures).toEqual([
      expect.objectContaining({ account: '111111111111', region: 'eu-west-1', source: 'launch-template' }),
    ]);
    const ec2 = m.mocks.get('111111111111/eu-west-1')!.ec2;
    expect(ec2.commandCalls(DeregisterImageCommand)).toHaveLength(0);
    expect(ec2.commandCalls(EnableImageDeprecationCommand)).toHaveLength(0);
    expect(a.images).toHaveLength(5);
  });

  it('keeps an image shared with an account whose re-check failed; unshared images proceed', async () => {
    const a = world();
    const b = emptyScope();
    a.launchPermissions['ami-4'] = [{ UserId: B.account }];
    const { report } = await planAndApply(
      [
        [A, a],
        [B, b],
      ],
      (mw) => {
        mw.mocks
          .get('222222222222/eu-west-1')!
          .ec2.on(DescribeInstancesCommand)
          .rejects(new AwsError('RequestLimitExceeded'));
      },
    );
    expect(status(report)).toEqual({ 'ami-1': 'done', 'ami-2': 'done', 'ami-3': 'done', 'ami-4': 'skipped' });
    expect(report.outcomes.find((o) => o.imageId === 'ami-4')?.detail).toContain('shared with 222222222222');
  });

  it('survives throttling and records partial failures without stopping the run', async () => {
    const a = world();
    const { report, records } = await planAndApply([[A, a]], (mw) => {
      const ec2 = mw.mocks.get('111111111111/eu-west-1')!.ec2;
      ec2
        .on(DisableImageCommand)
        .rejectsOnce(new AwsError('RequestLimitExceeded'))
        .resolves({ Return: true });
      ec2
        .on(DeregisterImageCommand, { ImageId: 'ami-3' })
        .rejects(new AwsError('InvalidParameterValue', 'Cannot deregister: in use by a managed service'));
    });
    expect(status(report)).toEqual({ 'ami-1': 'done', 'ami-2': 'done', 'ami-3': 'failed', 'ami-4': 'done' });
    expect(records.find((r) => r.imageId === 'ami-3' && r.event === 'result')).toMatchObject({
      ok: false,
      error: 'InvalidParameterValue: Cannot deregister: in use by a managed service',
    });
    expect(a.deletedSnapshots).toEqual(['snap-4']);
    expect(records.at(-1)).toMatchObject({ event: 'run-end', ok: false });
  });

  it('waits out InvalidSnapshot.InUse right after deregistering', async () => {
    const a = world();
    const { report, m } = await planAndApply([[A, a]], (mw) => {
      const ec2 = mw.mocks.get('111111111111/eu-west-1')!.ec2;
      ec2
        .on(DeleteSnapshotCommand, { SnapshotId: 'snap-3' })
        .rejectsOnce(new AwsError('InvalidSnapshot.InUse', 'snap-3 is currently in use by ami-3'))
        .resolves({});
    });
    expect(status(report)['ami-3']).toBe('done');
    expect(
      m.mocks
        .get('111111111111/eu-west-1')!
        .ec2.commandCalls(DeleteSnapshotCommand, { SnapshotId: 'snap-3' }),
    ).toHaveLength(2);
  });

  it('a re-run after an interruption finishes the snapshots of an image already deregistered', async () => {
    const a = world();
    dir = mkdtempSync(join(tmpdir(), 'prune-'));
    const log = join(dir, 'audit.jsonl');
    // An earlier run died between DeregisterImage and DeleteSnapshot (last line torn mid-write).
    const earlier: AuditRecord[] = [
      { ts: ago(1), runId: 'run-0', event: 'run-start' },
      {
        ts: ago(1),
        runId: 'run-0',
        event: 'intent',
        action: 'deregister',
        imageId: 'ami-9',
        account: A.account,
        region: A.region,
        snapshotIds: ['snap-9', 'snap-0'],
      },
      {
        ts: ago(1),
        runId: 'run-0',
        event: 'result',
        action: 'deregister',
        imageId: 'ami-9',
        account: A.account,
        region: A.region,
        ok: true,
      },
    ];
    writeFileSync(log, `${earlier.map((r) => JSON.stringify(r)).join('\n')}\n{"ts":"2026-11-27T`);
    const { report, records } = await planAndApply([[A, a]], undefined, log);
    expect(report.resumed).toEqual([
      {
        imageId: 'ami-9',
        account: A.account,
        region: A.region,
        action: 'deregister',
        status: 'done',
        detail: 'resumed: 2 snapshot(s) handled',
      },
    ]);
    // snap-0 still backs ami-0.
    expect(a.deletedSnapshots).toContain('snap-9');
    expect(a.deletedSnapshots).not.toContain('snap-0');
    expect(records.filter((r) => r.imageId === 'ami-9').map((r) => r.event)).toEqual([
      'intent',
      'result',
      'snapshot-deleted',
      'snapshot-kept',
      'snapshots-done',
    ]);
    // Append-only: the earlier lines are untouched.
    expect(readFileSync(log, 'utf8').startsWith(earlier.map((r) => JSON.stringify(r)).join('\n'))).toBe(true);
  });
});

describe('applyPlan interrupted', () => {
  it('skips what is left once the signal is aborted, and says so in the audit log', async () => {
    const a = world();
    const m = mockWorld([[A, a]]);
    const { input, plan } = await survey(
      m.aws,
      { scopes: [A], failures: [], organizationWide: false },
      { rules, ssmParameters: [], concurrency: 1, now: NOW },
    );
    const log = join(mkdtempSync(join(tmpdir(), 'prune-')), 'audit.jsonl');
    const audit = new AuditLog(log, 'run-2', () => NOW);
    const controller = new AbortController();
    controller.abort();
    const report = await applyPlan(m.aws, {
      input,
      decisions: plan.decisions,
      scopes: [A],
      audit,
      ssmParameters: [],
      concurrency: 1,
      clock: () => NOW,
      signal: controller.signal,
    });
    audit.close();
    expect(
      report.outcomes.every((o) => o.status === 'skipped' && o.detail === 'interrupted before acting'),
    ).toBe(true);
    expect(a.images).toHaveLength(5);
    expect(readAudit(log).filter((r) => r.event === 'skip')).toHaveLength(4);
  });
});
