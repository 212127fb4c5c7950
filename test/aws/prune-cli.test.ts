/**
 * `imagegate prune`'s own flags and output against moto, on one account reached through its
 * role: --max-deletions holding back a due deregistration, the audit log's events, the Markdown
 * and text reports, and exit 3 when a usage source is denied (the proxy denies it: moto does
 * not). The organization-wide scenario, every usage source and JSON reports are in prune.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client, EnableImageDeprecationCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/prune.js';
import { runCommand } from '../helpers/cli.js';
import { clientIn } from './helpers/moto.js';
import { isMutating } from './helpers/proxy.js';
import { useMoto } from './helpers/session.js';
import type { SeededImage } from './helpers/world.js';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const moto = useMoto({ region: REGION });
let dir: string;
let img: Record<'fresh' | 'mid' | 'old', SeededImage>;

beforeEach(async () => {
  const web = { 'imagegate:family': 'web' };
  const [fresh, mid, old] = await Promise.all(
    [1, 20, 90].map((ageDays, n) => moto.world.image(ACCOUNT, REGION, `web-${n}`, { ageDays, tags: web })),
  );
  img = { fresh, mid, old } as typeof img;
  // `old` was deprecated 40 days ago, so its deregistration is due (the proxy holds deprecation).
  await clientIn(EC2Client, ACCOUNT, REGION, moto.proxy.endpoint).send(
    new EnableImageDeprecationCommand({
      ImageId: old?.id,
      DeprecateAt: new Date(Date.now() - 40 * 86_400_000),
    }),
  );
  moto.proxy.calls.length = 0;
  dir = mkdtempSync(join(tmpdir(), 'aws-prune-cli-'));
  writeFileSync(
    join(dir, 'imagegate.yaml'),
    [
      'retention:',
      `  accounts: ["${ACCOUNT}"]`,
      '  role: "arn:aws:iam::{account}:role/imagegate-prune"',
      `  regions: [${REGION}]`,
      '  keepNewest: 1',
      '  retainAtLeast: 0',
      '',
    ].join('\n'),
  );
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

const prune = (...args: string[]) =>
  runCommand(register, 'prune', ['--config', join(dir, 'imagegate.yaml'), ...args]);

describe('imagegate prune (flags and reports) against moto', () => {
  it('--apply acts, honours --max-deletions, writes the audit log and a Markdown report', async () => {
    const log = join(dir, 'audit.jsonl');
    const { stdout, exitCode } = await prune(
      '--apply',
      '--max-deletions',
      '0',
      '--audit-log',
      log,
      '--format',
      'markdown',
    );
    expect(exitCode).toBe(0);
    expect(stdout).toContain(`| done | \`${img.mid.id}\` (${ACCOUNT}/${REGION}) | deprecate |`);
    const acted = moto.proxy.calls.filter(isMutating).map((c) => [c.action, c.params.ImageId]);
    expect(acted).toEqual([['EnableImageDeprecation', img.mid.id]]);
    expect(await moto.world.imageIds(ACCOUNT, REGION)).toEqual([img.fresh.id, img.mid.id, img.old.id].sort());
    const events = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(['run-start', 'intent', 'result', 'run-end']);
  });

  it('exits 3, says which source failed, and retires nothing when a usage source is denied', async () => {
    moto.proxy.fault({
      action: 'DescribeInstances',
      account: ACCOUNT,
      code: 'UnauthorizedOperation',
      message: 'not authorized to DescribeInstances',
    });
    const { stdout, exitCode } = await prune('--apply', '--audit-log', join(dir, 'audit.jsonl'));
    expect(exitCode).toBe(3);
    expect(stdout).toContain(
      `INCOMPLETE ${ACCOUNT}/${REGION} instance: UnauthorizedOperation: not authorized to DescribeInstances`,
    );
    expect(moto.proxy.calls.filter(isMutating)).toEqual([]);
  });
});
