/**
 * `verify ami-…` against moto: the AMI is looked up in EC2 (its owner and its
 * imagegate:attestation-sha256 tag), the envelope that tag names is read from the evidence store,
 * and every forgery of issue 13 (test/helpers/forgeries.ts) is refused with its exit code.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTagsCommand, DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { attestationDigest } from '../../src/evidence/dsse.js';
import { putInDirectoryStore, storeObjectName } from '../../src/evidence/store.js';
import { verifyArtifact } from '../../src/promote/verify-artifact.js';
import { installDevKey, OTHER_KEY, signedVerdictBytes } from '../helpers/evidence.js';
import { forgeries, passingVerdict } from '../helpers/forgeries.js';
import { makeVerdict } from '../helpers/verdicts.js';
import { MANAGEMENT } from './helpers/moto.js';
import { useMoto } from './helpers/session.js';

const REGION = 'eu-west-1';
const moto = useMoto({ region: REGION });
let ami: string;
let dir: string;
let stateDir: string;

beforeEach(async () => {
  ami = (await moto.world.image(MANAGEMENT, REGION, 'web-promoted')).id;
  dir = mkdtempSync(join(tmpdir(), 'aws-verify-ami-'));
  stateDir = join(dir, '.imagegate');
  installDevKey(stateDir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const store = () => join(stateDir, 'attestations');
const TAG = 'imagegate:attestation-sha256';
async function tag(digest?: string): Promise<void> {
  const ec2 = moto.world.ec2(MANAGEMENT, REGION);
  if (digest)
    await ec2.send(new CreateTagsCommand({ Resources: [ami], Tags: [{ Key: TAG, Value: digest }] }));
  else await ec2.send(new DeleteTagsCommand({ Resources: [ami], Tags: [{ Key: TAG }] }));
}
const verify = (evidence?: string) =>
  verifyArtifact({
    artifact: ami,
    region: REGION,
    stage: 'prod',
    stages: { prod: { trust: ['local-dev'], regions: [REGION] } },
    configDir: dir,
    stateDir,
    ...(evidence ? { evidence } : {}),
    awsClients: new AwsClients(),
  });
const about = (account?: string) =>
  makeVerdict({ kind: 'ami', id: ami, region: REGION, ...(account ? { account } : {}) });

describe('imagegate verify AMI against moto', () => {
  it('passes for the attestation its tag names, signed by a trusted key, about this AMI and its owner', async () => {
    const digest = putInDirectoryStore(store(), signedVerdictBytes(about(MANAGEMENT)));
    await tag(digest);
    expect(await verify()).toMatchObject({
      attestationSha256: digest,
      artifact: { id: ami, account: MANAGEMENT },
      trustedBy: 'stage "prod"',
    });
  });

  it('refuses an AMI without the tag (exit 1) and a tag whose envelope is missing or replaced (exit 5)', async () => {
    await expect(verify()).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/no imagegate:attestation-sha256 tag/),
    });
    const digest = attestationDigest(signedVerdictBytes(about()));
    await tag(digest);
    await expect(verify()).rejects.toMatchObject({
      exitCode: 5,
      message: expect.stringMatching(/not in the evidence store/),
    });
    // Someone swaps the stored envelope for a failing one under the same name.
    mkdirSync(store(), { recursive: true });
    writeFileSync(
      join(store(), storeObjectName(digest)),
      signedVerdictBytes(makeVerdict({ kind: 'ami', id: ami, region: REGION }, false)),
    );
    await expect(verify()).rejects.toMatchObject({
      exitCode: 5,
      message: expect.stringMatching(/does not hash to its name/),
    });
  });

  it('refuses evidence about the same AMI id owned by another account (exit 7), or by an untrusted key (exit 6)', async () => {
    await tag(putInDirectoryStore(store(), signedVerdictBytes(about('999999999999'))));
    await expect(verify()).rejects.toMatchObject({ exitCode: 7 });
    await tag(putInDirectoryStore(store(), signedVerdictBytes(about(), OTHER_KEY)));
    await expect(verify()).rejects.toMatchObject({ exitCode: 6 });
  });

  it('refuses every forgery given as --evidence, each with its exit code, and accepts the genuine one', async () => {
    const other = (await moto.world.image(MANAGEMENT, REGION, 'web-other')).id;
    for (const [name, [bytes, exit]] of Object.entries(forgeries(ami, other))) {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.verdict.json`);
      writeFileSync(file, bytes);
      await expect(verify(file), name).rejects.toMatchObject({
        exitCode: exit,
        message: expect.stringMatching(/^refused: /),
      });
    }
    const genuine = join(dir, 'genuine.verdict.json');
    writeFileSync(genuine, signedVerdictBytes(passingVerdict(ami)));
    expect((await verify(genuine)).signer).toMatch(/^local-dev key /);
  });
});
