/**
 * Simulated organization: 50,000 AMIs over 20 account-regions (4 accounts × 5 regions), with
 * instances, launch templates (10 versions each), launch configurations, Auto Scaling groups and
 * SSM parameters, behind clients that answer after a realistic delay. Measures wall time, peak
 * memory, the pure plan's time, and AWS calls against the minimum possible.
 *
 * Run: npx tsc -p bench/retention/tsconfig.json && node node_modules/.cache/imagegate-bench/bench/retention/prune.js
 * (add --apply to also carry the plan out against the simulated organization).
 */

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PacedCaller } from '../../src/aws/call.js';
import { AwsClients } from '../../src/aws/clients.js';
import { Pacer } from '../../src/aws/pace.js';
import { applyPlan } from '../../src/retention/apply.js';
import { AuditLog } from '../../src/retention/audit.js';
import { awsScope, type RetentionAws } from '../../src/retention/context.js';
import type { Scope } from '../../src/retention/model.js';
import { planRetention } from '../../src/retention/plan.js';
import { normalizeRules } from '../../src/retention/rules.js';
import { survey } from '../../src/retention/survey.js';
import {
  autoScalingRespond,
  ec2Respond,
  emptyScope,
  type ScopeData,
  sdkImage,
  ssmRespond,
} from '../../test/helpers/aws-world.js';

const NOW = new Date('2026-11-28T08:00:00.000Z');
const DAY = 86_400_000;
const ACCOUNTS = ['111111111111', '222222222222', '333333333333', '444444444444'];
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];
const FAMILIES = 50;
const PER_FAMILY = 50;
const INSTANCES = 300;
const TEMPLATES = 40;
const VERSIONS = 10;
const LAUNCH_CONFIGS = 20;

/** Round trip plus serialization: ~40 ms, +0.5 ms per item returned (a 1,000-image page ≈ 0.5 s). */
function latency(result: unknown): number {
  const r = result as Record<string, unknown[] | undefined>;
  const items =
    r.Images ??
    r.Reservations ??
    r.LaunchTemplateVersions ??
    r.LaunchTemplates ??
    r.LaunchConfigurations ??
    r.AutoScalingGroups ??
    r.Parameters ??
    [];
  return 40 + 0.5 * items.length;
}

function scopeData(seed: number): ScopeData {
  const d = emptyScope();
  let n = 0;
  for (let f = 0; f < FAMILIES; f++) {
    for (let age = 0; age < PER_FAMILY; age++) {
      const id = `ami-${seed.toString(16).padStart(3, '0')}${(n++).toString(16).padStart(14, '0')}`;
      const created = NOW.getTime() - age * DAY - f * 60_000;
      // Steady state of a daily job: deprecated at 15 days, disabled 8 days later.
      const over = {
        ...(age >= 15 ? { DeprecationTime: new Date(created + 15 * DAY).toISOString() } : {}),
        ...(age >= 23 ? { State: 'disabled' as const } : {}),
      };
      d.images.push(sdkImage(id, (NOW.getTime() - created) / DAY, `fam-${f}`, NOW, over));
    }
  }
  const pick = (k: number) => d.images[(k * 7919) % d.images.length]?.ImageId as string;
  for (let i = 0; i < INSTANCES; i++) {
    d.instances.push({
      InstanceId: `i-${seed}-${i}`,
      ImageId: pick(i),
      State: { Name: i % 5 === 0 ? 'stopped' : 'running' },
    });
  }
  for (let t = 0; t < TEMPLATES; t++) {
    d.launchTemplates.push({
      id: `lt-${seed}-${t}`,
      versions: Array.from({ length: VERSIONS }, (_, v) => ({
        number: v + 1,
        imageId: pick(1000 + t * VERSIONS + v),
      })),
    });
  }
  for (let l = 0; l < LAUNCH_CONFIGS; l++) {
    d.launchConfigurations.push({ name: `lc-${l}`, imageId: pick(5000 + l) });
    d.groups.push({ name: `asg-${l}`, launchConfiguration: `lc-${l}` });
  }
  for (let f = 0; f < FAMILIES; f++)
    d.parameters.push({ name: `/golden/fam-${f}/ami`, value: pick(9000 + f) });
  return d;
}

type Respond = (d: ScopeData, op: string, input: Record<string, unknown>) => unknown;

/** Replace `send` on the scope's real client: no sinon, so responses are not retained. */
function fake(client: object, d: ScopeData, respond: Respond): void {
  Object.assign(client, {
    send: async (cmd: { input: Record<string, unknown> }) => {
      const op = cmd.constructor.name.replace(/Command$/, '');
      const result = respond(d, op, cmd.input);
      await new Promise((r) => setTimeout(r, latency(result)));
      return result;
    },
  });
}

async function main() {
  const aws: RetentionAws = { clients: new AwsClients(), caller: new PacedCaller(new Pacer()) };
  const scopes: Scope[] = [];
  const data = new Map<string, ScopeData>();
  let seed = 0;
  for (const account of ACCOUNTS) {
    for (const region of REGIONS) {
      const scope = { account, region, roleArn: `arn:aws:iam::${account}:role/imagegate-prune` };
      const d = scopeData(seed++);
      scopes.push(scope);
      data.set(`${account}/${region}`, d);
      fake(aws.clients.ec2(awsScope(scope)), d, ec2Respond);
      fake(aws.clients.autoScaling(awsScope(scope)), d, autoScalingRespond);
      fake(aws.clients.ssm(awsScope(scope)), d, ssmRespond);
      // Sources this benchmark's world holds nothing of: one empty page each.
      fake(aws.clients.batch(awsScope(scope)), d, () => ({ computeEnvironments: [] }));
      fake(aws.clients.imageBuilder(awsScope(scope)), d, (_, op) =>
        op === 'ListImageRecipes' ? { imageRecipeSummaryList: [] } : { imagePipelineList: [] },
      );
    }
  }
  const { rules } = normalizeRules({
    keepNewest: 3,
    keepYoungerThanDays: 14,
    retainAtLeast: 3,
    stages: { disableAfterDays: 7, deregisterAfterDays: 30 },
    maxDeletionsPercent: 1,
  });
  globalThis.gc?.();
  // Baseline: SDK loaded and the simulated AWS state (50,000 SDK image objects) built.
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  let peakRss = before.rss;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  }, 10);
  const t0 = performance.now();
  const { input, plan } = await survey(
    aws,
    { scopes, failures: [], organizationWide: false },
    { rules, ssmParameters: ['/golden/'], concurrency: 8, now: NOW },
  );
  const wall = performance.now() - t0;
  clearInterval(sampler);

  // The pure plan alone, over the final input (median of 5): wall and CPU time, since the
  // machine may be shared.
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c0 = process.cpuUsage();
    const p0 = performance.now();
    planRetention(input);
    times.push(performance.now() - p0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);

  // Minimum: each listing at its largest page size, plus one launch-permission read per image acted on.
  const min = new Map<string, number>();
  const add = (op: string, n: number) => min.set(op, (min.get(op) ?? 0) + n);
  for (const d of data.values()) {
    add('ec2:DescribeImages', Math.ceil(d.images.length / 1000));
    add('ec2:DescribeInstances', Math.max(1, Math.ceil(d.instances.length / 1000)));
    add('ec2:DescribeLaunchTemplates', Math.max(1, Math.ceil(d.launchTemplates.length / 200)));
    for (const t of d.launchTemplates)
      add('ec2:DescribeLaunchTemplateVersions', Math.max(1, Math.ceil(t.versions.length / 200)));
    add(
      'autoscaling:DescribeLaunchConfigurations',
      Math.max(1, Math.ceil(d.launchConfigurations.length / 100)),
    );
    add('autoscaling:DescribeAutoScalingGroups', Math.max(1, Math.ceil(d.groups.length / 100)));
    add('ssm:GetParametersByPath', Math.max(1, Math.ceil(d.parameters.length / 10)));
  }
  add('ec2:DescribeImageAttribute', plan.decisions.filter((d) => d.action !== 'keep').length);
  const minTotal = [...min.values()].reduce((a, b) => a + b, 0);
  const actual = aws.caller.total();

  const s = plan.summary;
  console.log(
    `images ${s.images} in ${scopes.length} account-regions; deprecate ${s.deprecate}, disable ${s.disable}, deregister ${s.deregister} (cap ${s.deletionCap}, ${s.deferredByCap} deferred), keep ${s.keep}`,
  );
  console.log(`wall time (survey + plan, dry run)   ${(wall / 1000).toFixed(2)} s`);
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  console.log(
    `pure plan, ${s.images} images (median)  ${times[2]?.toFixed(0)} ms wall, ${cpu[2]?.toFixed(0)} ms CPU`,
  );
  console.log(`heap: baseline ${mib(before.heapUsed)}, peak during survey ${mib(peakHeap)}`);
  console.log(`RSS: baseline ${mib(before.rss)}, peak during survey ${mib(peakRss)}`);
  console.log(`load average at end                   ${os.loadavg()[0]?.toFixed(1)} (2 cores)`);
  console.log(
    `AWS calls ${actual} vs minimum ${minTotal} (+${(((actual - minTotal) / minTotal) * 100).toFixed(1)}%)`,
  );
  for (const [op, n] of [...aws.caller.counts].sort())
    console.log(`  ${op.padEnd(42)} ${String(n).padStart(6)}  min ${min.get(op) ?? 0}`);

  if (!process.argv.includes('--apply')) return;
  // --apply: the same plan carried out, with its re-checks; the bare minimum would be one call
  // per action plus, per deregistration, one snapshot lookup and one DeleteSnapshot per snapshot.
  const surveyCounts = new Map(aws.caller.counts);
  const acts = plan.decisions.filter((d) => d.action !== 'keep');
  const bare =
    acts.length +
    acts.filter((d) => d.action === 'deregister').reduce((n, d) => n + 2 * d.image.snapshotIds.length, 0);
  const audit = new AuditLog(join(mkdtempSync(join(os.tmpdir(), 'prune-bench-')), 'audit.jsonl'), 'bench');
  const a0 = performance.now();
  const report = await applyPlan(aws, {
    input,
    decisions: plan.decisions,
    scopes,
    audit,
    ssmParameters: ['/golden/'],
    concurrency: 8,
    clock: () => NOW,
  });
  audit.close();
  const applied = aws.caller.total() - actual;
  const by = (st: string) => report.outcomes.filter((o) => o.status === st).length;
  console.log(
    `apply: ${by('done')} done, ${by('skipped')} skipped, ${by('failed')} failed in ${((performance.now() - a0) / 1000).toFixed(1)} s`,
  );
  console.log(`apply AWS calls ${applied} vs bare minimum ${bare} (re-checks included)`);
  for (const [op, n] of [...aws.caller.counts].sort()) {
    const extra = n - (surveyCounts.get(op) ?? 0);
    if (extra > 0) console.log(`  ${op.padEnd(42)} ${String(extra).padStart(6)}`);
  }
}

await main();
