/**
 * The AMI evidence store: attestations by digest, in a directory (what a CI job uploads as an
 * artifact) or under an S3 prefix (`s3://bucket/prefix`). AMIs carry the digest in their
 * `imagegate:attestation-sha256` tag; the store holds the envelope it names.
 */

import { isAbsolute, join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../aws/clients.js';
import { UserError } from '../core/errors.js';
import { attestationDigest } from '../evidence/dsse.js';
import { getFromDirectoryStore, putInDirectoryStore, storeObjectName } from '../evidence/store.js';

export interface EvidenceStore {
  describe: string;
  put(bytes: Buffer): Promise<string>;
  /** Bytes stored under `digest`, checked to hash to it; undefined when absent. */
  get(digest: string): Promise<Buffer | undefined>;
}

export function evidenceStore(
  setting: string | undefined,
  ctx: { configDir: string; stateDir: string; clients: () => AwsClients; region: string },
): EvidenceStore {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(setting ?? '');
  if (s3) {
    const bucket = s3[1] as string;
    const prefix = s3[2] ? s3[2].replace(/\/*$/, '/') : '';
    const key = (digest: string) => `${prefix}${storeObjectName(digest)}`;
    return {
      describe: `s3://${bucket}/${prefix}`,
      async put(bytes) {
        const digest = attestationDigest(bytes);
        await ctx
          .clients()
          .s3({ region: ctx.region })
          .send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key(digest),
              Body: bytes,
              ContentType: 'application/vnd.dsse.envelope.v1+json',
            }),
          )
          .catch((err: unknown) => {
            throw new UserError(
              `evidence store s3://${bucket}: PutObject failed: ${(err as Error).message}`,
              3,
            );
          });
        return digest;
      },
      async get(digest) {
        try {
          const out = await ctx
            .clients()
            .s3({ region: ctx.region })
            .send(new GetObjectCommand({ Bucket: bucket, Key: key(digest) }));
          const bytes = Buffer.from((await out.Body?.transformToByteArray()) ?? []);
          return attestationDigest(bytes) === digest ? bytes : undefined;
        } catch (err) {
          if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
          throw new UserError(
            `evidence store s3://${bucket}: GetObject failed: ${(err as Error).message}`,
            3,
          );
        }
      },
    };
  }
  const dir = setting
    ? isAbsolute(setting)
      ? setting
      : join(ctx.configDir, setting)
    : join(ctx.stateDir, 'attestations');
  return {
    describe: dir,
    put: async (bytes) => putInDirectoryStore(dir, bytes),
    async get(digest) {
      const bytes = getFromDirectoryStore(dir, digest);
      return bytes && attestationDigest(bytes) === digest ? bytes : undefined;
    },
  };
}
