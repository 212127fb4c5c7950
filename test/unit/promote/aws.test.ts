/**
 * Promotion against the hand-made AWS world, only for what moto cannot show: a CopyImage whose
 * response is lost while the listing has not caught up (ClientToken idempotency and eventual
 * consistency), and a copy that stays pending for longer than the wait allows (moto's copies are
 * available at once). Everything else about promote runs against moto in test/aws/promote*.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Pacer } from '../../../src/aws/pace.js';
import type { StagesConfig } from '../../../src/config/types.js';
import type { AwsContext } from '../../../src/promote/aws.js';
import { promoteArtifact } from '../../../src/promote/run.js';
import { installDevKey } from '../../helpers/evidence.js';
import { makeVerdict, storeVerdict } from '../../helpers/verdicts.js';
import { FakeAws, OWNER } from './fake-aws.js';

const stages: StagesConfig = {
  multi: { trust: ['local-dev'], regions: ['eu-west-1', 'us-east-1', 'us-west-2'] },
};

let fake: FakeAws;
let stateDir: string;
let source: string;
let sleeps: number[];
let ctx: AwsContext;

const fast = { rate: 1e6, burst: 1e6 };
const promote = (to: string, extra: Partial<Parameters<typeof promoteArtifact>[0]> = {}) =>
  promoteArtifact({ artifact: source, to, stages, stateDir, aws: ctx, ...extra });

beforeEach(() => {
  fake = new FakeAws();
  source = fake.addImage({ region: 'eu-west-1', name: 'web-20261128', tags: { OS: 'debian-12' } });
  stateDir = mkdtempSync(join(tmpdir(), 'imagegate-promote-'));
  installDevKey(stateDir);
  storeVerdict(stateDir, makeVerdict({ kind: 'ami', id: source, region: 'eu-west-1' }));
  sleeps = [];
  ctx = {
    clients: fake,
    pacer: new Pacer({ copy: fast, mutate: fast, describe: fast }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
});

afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

describe('promote AMIs against the fake: what moto cannot show', () => {
  it('a copy whose response was lost is not duplicated: the same ClientToken returns the same image', async () => {
    fake.loseResponse((c) => c.command === 'CopyImage' && c.region === 'us-east-1');
    await expect(promote('multi')).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/TimeoutError/),
    });
    // The listing has not caught up yet, so the resumed run cannot find the copy by its tags.
    const first = fake.imagesOf(OWNER, 'us-east-1')[0]?.id;
    fake.listed = (id) => id !== first;
    await promote('multi');
    expect(fake.imagesOf(OWNER, 'us-east-1').map((i) => i.id)).toEqual([first]);
    const tokens = fake.calls
      .filter((c) => c.command === 'CopyImage' && c.region === 'us-east-1')
      .map((c) => c.input.ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(tokens[1]);
  });

  it('waits for a copy with capped exponential backoff and gives up at the limit, resumable', async () => {
    fake.copyPolls = 1_000;
    let clock = 0;
    ctx = {
      ...ctx,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
      wait: { initialMs: 1_000, maxMs: 8_000, timeoutMs: 40_000 },
    };
    await expect(promote('multi')).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/still pending.*re-run/),
    });
    expect(sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000, 8_000]);
  });
});
