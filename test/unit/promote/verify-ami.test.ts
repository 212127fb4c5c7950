/** `verify ami-…`: the AMI's attestation tag names an envelope in the evidence store. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { attestationDigest } from '../../../src/evidence/dsse.js';
import { putInDirectoryStore, storeObjectName } from '../../../src/evidence/store.js';
import { verifyArtifact } from '../../../src/promote/verify-artifact.js';
import { installDevKey, OTHER_KEY, signedVerdictBytes } from '../../helpers/evidence.js';
import { makeVerdict } from '../../helpers/verdicts.js';

const AMI = 'ami-0123456789abcdef0';
const OWNER = '111111111111';
const ec2 = mockClient(EC2Client);
let dir: string;
let stateDir: string;

const tagged = (digest?: string) =>
  ec2.on(DescribeImagesCommand).resolves({
    Images: [
      {
        ImageId: AMI,
        OwnerId: OWNER,
        Tags: digest ? [{ Key: 'imagegate:attestation-sha256', Value: digest }] : [],
      },
    ],
  });

const verify = (stage = 'prod') =>
  verifyArtifact({
    artifact: AMI,
    region: 'eu-west-1',
    stage,
    stages: { prod: { trust: ['local-dev'], regions: ['eu-west-1'] } },
    configDir: dir,
    stateDir,
    awsClients: new AwsClients(),
  });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'imagegate-verify-ami-'));
  stateDir = join(dir, '.imagegate');
  installDevKey(stateDir);
});
afterEach(() => {
  ec2.reset();
  rmSync(dir, { recursive: true, force: true });
});

describe('imagegate verify AMI', () => {
  const store = () => join(stateDir, 'attestations');

  it('passes for the attestation its tag names, signed by a trusted key, about this AMI', async () => {
    const digest = putInDirectoryStore(
      store(),
      signedVerdictBytes(makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1', account: OWNER })),
    );
    tagged(digest);
    const r = await verify();
    expect(r).toMatchObject({
      attestationSha256: digest,
      artifact: { id: AMI, account: OWNER },
      trustedBy: 'stage "prod"',
    });
  });

  it('refuses an AMI without the tag (exit 1) and a tag whose envelope is missing or replaced (exit 5)', async () => {
    tagged();
    await expect(verify()).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/no imagegate:attestation-sha256 tag/),
    });
    const digest = attestationDigest(
      signedVerdictBytes(makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' })),
    );
    tagged(digest);
    await expect(verify()).rejects.toMatchObject({
      exitCode: 5,
      message: expect.stringMatching(/not in the evidence store/),
    });
    // Someone swaps the stored envelope for a failing one under the same name.
    mkdirSync(store(), { recursive: true });
    writeFileSync(
      join(store(), storeObjectName(digest)),
      signedVerdictBytes(makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' }, false)),
    );
    await expect(verify()).rejects.toMatchObject({
      exitCode: 5,
      message: expect.stringMatching(/does not hash to its name/),
    });
  });

  it('refuses evidence about the same AMI id owned by another account (exit 7), or by an untrusted key (exit 6)', async () => {
    const other = putInDirectoryStore(
      store(),
      signedVerdictBytes(makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1', account: '999999999999' })),
    );
    tagged(other);
    await expect(verify()).rejects.toMatchObject({ exitCode: 7 });
    const untrusted = putInDirectoryStore(
      store(),
      signedVerdictBytes(makeVerdict({ kind: 'ami', id: AMI, region: 'eu-west-1' }), OTHER_KEY),
    );
    tagged(untrusted);
    await expect(verify()).rejects.toMatchObject({ exitCode: 6 });
  });
});
