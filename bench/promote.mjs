// Promotion costs: the pure plan for a large organization, and a full AWS promotion to many
// OU accounts against simulated EC2/Organizations latency, with the real default pacing.
// Run: npm run build && node bench/promote.mjs
import { performance } from 'node:perf_hooks';
import { Pacer } from '../dist/aws/pace.js';
import { discoverAws, executeAws } from '../dist/promote/aws.js';
import { planAws } from '../dist/promote/plan.js';
import { stageLadder } from '../dist/promote/stages.js';

const OWNER = '111111111111';
const OU = 'arn:aws:organizations::111111111111:ou/o-abc123/ou-ab12-bench001';
const accounts = (n) => Array.from({ length: n }, (_, i) => String(200000000000 + i));
const verdict = { git: { sha: 'a'.repeat(40) } };
const stageFor = (regions) =>
  stageLadder({
    prod: {
      regions,
      ous: [OU],
      role: 'arn:aws:iam::{account}:role/imagegate-promote',
      ssmParameter: '/images/web',
    },
  })[0];

// 1. Pure plan: 1,000 OU accounts x 4 regions, nothing exists yet.
{
  const stage = stageFor(['eu-west-1', 'us-east-1', 'us-west-2', 'ap-southeast-2']);
  const source = {
    account: OWNER,
    region: 'eu-west-1',
    imageId: 'ami-00000000000000001',
    state: 'available',
    name: 'web',
    encrypted: false,
    snapshotIds: ['snap-1'],
    tags: { OS: 'debian-12' },
  };
  const state = { source, images: [], viewTags: {}, members: { [OU]: accounts(1000) }, ssm: {} };
  planAws({ verdict, attestationSha256: 'f'.repeat(64), stage, state, at: 'now' });
  const t0 = performance.now();
  const n = 20;
  let actions = 0;
  for (let i = 0; i < n; i++)
    actions = planAws({ verdict, attestationSha256: 'f'.repeat(64), stage, state, at: 'now' }).actions.length;
  console.log(
    `plan, 1000 accounts x 4 regions (${actions} actions): ${((performance.now() - t0) / n).toFixed(1)} ms`,
  );
}

// 2. Discover + execute against a simulated API with fixed latency per call.
function simulatedAws(latencyMs, members) {
  let seq = 0;
  const calls = { n: 0 };
  const respond = (name, input) => {
    switch (name) {
      case 'DescribeImagesCommand':
        if (input.Owners) return { Images: [] };
        return {
          Images: [
            {
              ImageId: input.ImageIds[0],
              OwnerId: OWNER,
              State: 'available',
              Name: 'web',
              BlockDeviceMappings: [{ Ebs: { SnapshotId: `snap-${input.ImageIds[0]}` } }],
              Tags: [],
            },
          ],
        };
      case 'CopyImageCommand':
        return { ImageId: `ami-${String(++seq).padStart(17, '0')}` };
      case 'DescribeImageAttributeCommand':
        return { LaunchPermissions: [] };
      case 'DescribeSnapshotAttributeCommand':
        return { CreateVolumePermissions: [] };
      case 'ListAccountsForParentCommand':
        return { Accounts: members.map((Id) => ({ Id, State: 'ACTIVE' })) };
      case 'ListChildrenCommand':
        return { Children: [] };
      case 'GetParameterCommand':
        throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
      default:
        return {};
    }
  };
  const client = {
    send: async (cmd) => {
      calls.n++;
      await new Promise((r) => setTimeout(r, latencyMs));
      return respond(cmd.constructor.name, cmd.input);
    },
  };
  return { calls, port: { ec2: () => client, ssm: () => client, organizations: () => client } };
}

for (const [n, concurrency] of [
  [100, 1],
  [100, 8],
]) {
  const { calls, port } = simulatedAws(30, accounts(n));
  const stage = stageFor(['eu-west-1', 'us-east-1']);
  const ctx = { clients: port, pacer: new Pacer(), accountConcurrency: concurrency, wait: { initialMs: 10 } };
  const t0 = performance.now();
  const state = await discoverAws(ctx, stage, { id: 'ami-00000000000000001', region: 'eu-west-1' });
  const t1 = performance.now();
  const plan = planAws({
    verdict,
    attestationSha256: 'f'.repeat(64),
    stage,
    state,
    at: new Date().toISOString(),
  });
  await executeAws(ctx, plan, state);
  const t2 = performance.now();
  console.log(
    `promote to ${n} OU accounts x 2 regions, 30 ms/call, account concurrency ${concurrency}: ` +
      `discover ${((t1 - t0) / 1000).toFixed(1)} s, execute ${plan.actions.length} actions ${((t2 - t1) / 1000).toFixed(1)} s, ${calls.n} calls`,
  );
}
