import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { attestationDigest } from '../../../src/evidence/dsse.js';
import { evidenceStore } from '../../../src/promote/evidence-store.js';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());
const clients = new AwsClients();
const store = () =>
  evidenceStore('s3://acme-evidence/web/', {
    configDir: '/x',
    stateDir: '/x/.imagegate',
    clients: () => clients,
    region: 'eu-west-1',
  });
// The SDK's stream body, as far as the store uses it.
const body = (bytes: Buffer) => ({ Body: { transformToByteArray: async () => new Uint8Array(bytes) } });

describe('AMI evidence store in S3', () => {
  it('puts the envelope under its digest and reads it back only when the bytes hash to that name', async () => {
    const bytes = Buffer.from('{"payloadType":"x"}\n');
    const digest = attestationDigest(bytes);
    s3.on(PutObjectCommand).resolves({});
    expect(await store().put(bytes)).toBe(digest);
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'acme-evidence',
      Key: `web/sha256-${digest}.dsse.json`,
    });
    s3.on(GetObjectCommand, { Key: `web/sha256-${digest}.dsse.json` }).resolves(body(bytes) as never);
    expect(await store().get(digest)).toEqual(bytes);
    s3.on(GetObjectCommand, { Key: `web/sha256-${digest}.dsse.json` }).resolves(
      body(Buffer.from('swapped')) as never,
    );
    expect(await store().get(digest)).toBeUndefined();
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'no', $metadata: {} }));
    expect(await store().get('0'.repeat(64))).toBeUndefined();
  });
});
