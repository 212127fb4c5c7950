/**
 * The S3 evidence store of AMI attestations against moto's S3: an envelope is put under its
 * digest, read back only when the bytes still hash to that name, a missing one is absent, and a
 * bucket that does not exist is a one-line error with exit 3.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { attestationDigest } from '../../src/evidence/dsse.js';
import { evidenceStore } from '../../src/promote/evidence-store.js';
import { clientIn, MANAGEMENT } from './helpers/moto.js';
import { useMoto } from './helpers/session.js';

const REGION = 'eu-west-1';
useMoto({ region: REGION });
const store = (url = 's3://acme-evidence/web/') => {
  const clients = new AwsClients({ maxAttempts: 1 });
  return evidenceStore(url, {
    configDir: '/x',
    stateDir: '/x/.imagegate',
    clients: () => clients,
    region: REGION,
  });
};
const s3 = () => clientIn(S3Client, MANAGEMENT, REGION);
const bucket = () =>
  s3().send(
    new CreateBucketCommand({
      Bucket: 'acme-evidence',
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );

describe('AMI evidence store in S3 (moto)', () => {
  it('puts the envelope under its digest and reads it back only while the bytes hash to that name', async () => {
    await bucket();
    const bytes = Buffer.from('{"payloadType":"x"}\n');
    const digest = attestationDigest(bytes);
    expect(await store().put(bytes)).toBe(digest);
    const key = `web/sha256-${digest}.dsse.json`;
    const stored = await s3().send(new GetObjectCommand({ Bucket: 'acme-evidence', Key: key }));
    expect(Buffer.from((await stored.Body?.transformToByteArray()) ?? [])).toEqual(bytes);
    expect(stored.ContentType).toBe('application/vnd.dsse.envelope.v1+json');
    expect(await store().get(digest)).toEqual(bytes);

    // Someone with write access swaps the object under the same name.
    await s3().send(new PutObjectCommand({ Bucket: 'acme-evidence', Key: key, Body: 'swapped' }));
    expect(await store().get(digest)).toBeUndefined();
    expect(await store().get('0'.repeat(64))).toBeUndefined();
  });

  it('a bucket that does not exist is an error naming it, exit 3, for put and get alike', async () => {
    const bytes = Buffer.from('{}');
    await expect(store().put(bytes)).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/^evidence store s3:\/\/acme-evidence: PutObject failed: .*bucket/i),
    });
    await expect(store().get(attestationDigest(bytes))).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/^evidence store s3:\/\/acme-evidence: GetObject failed/),
    });
  });
});
