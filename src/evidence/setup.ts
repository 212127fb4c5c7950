/**
 * From imagegate.yaml's `evidence:` and `stages.<name>.trust` to a signer and trusted keys.
 * Without `evidence.signer`, evidence is signed with the repository's development key, created
 * under `.imagegate/keys/` on first use with a one-time notice: it makes the README's first run
 * work, and it is trusted only by stages that say `trust: [local-dev]` in so many words.
 */
import type { KeyObject } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { AwsClients } from '../aws/clients.js';
import { UserError } from '../core/errors.js';
import { ensureDevKey } from './keys.js';
import { kmsPublicKey, kmsRegion, kmsSigner, localSigner, type Signer } from './signer.js';
import { resolveTrust, type TrustEntry, type TrustedKey } from './trust.js';

export type SignerSetting = 'local-dev' | { local: string } | { kms: string };

export interface EvidenceSettings {
  signer?: SignerSetting;
  /** AMI evidence store: a directory, or `s3://bucket/prefix`. Default `.imagegate/attestations`. */
  store?: string;
}

export interface EvidenceContext {
  configDir: string;
  stateDir: string;
  /**
   * Where the development key lives (`.imagegate` beside imagegate.yaml), when that is not
   * `stateDir`: gate writes its state to `--out` but signs with the repository's key.
   */
  keyDir?: string;
  clients?: AwsClients;
  /** Told once, when the development key is created. */
  notice?: (message: string) => void;
}

export const DEV_KEY_NOTICE =
  'created a development signing key (%FILE%, key id %ID%): evidence it signs is trusted only where a stage says `trust: [local-dev]`; production stages need a real key (`imagegate keygen`, or a KMS key) — see docs/evidence.md';

/** The SDK loads only when a KMS key is actually used (see KmsSource). */
async function kmsClient(clients: AwsClients | undefined, region: string): Promise<KMSClient> {
  const factory = clients ?? new (await import('../aws/clients.js')).AwsClients();
  return factory.kms({ region });
}

export function signerFor(setting: SignerSetting | undefined, ctx: EvidenceContext): Signer {
  if (setting === undefined || setting === 'local-dev') {
    const key = ensureDevKey(ctx.keyDir ?? ctx.stateDir);
    if (key.created) {
      ctx.notice?.(
        DEV_KEY_NOTICE.replace('%FILE%', key.privateKeyFile).replace('%ID%', key.keyId.slice(0, 16)),
      );
    }
    return localSigner(key.privateKeyFile);
  }
  if ('local' in setting) {
    return localSigner(isAbsolute(setting.local) ? setting.local : join(ctx.configDir, setting.local));
  }
  const region = kmsRegion(setting.kms);
  return kmsSigner(setting.kms, () => kmsClient(ctx.clients, region));
}

/** The trusted keys of a stage; a stage with no `trust` list is refused, never open. */
export async function trustFor(
  stage: { name: string; trust?: readonly TrustEntry[] | undefined },
  ctx: EvidenceContext,
): Promise<TrustedKey[]> {
  if (!stage.trust || stage.trust.length === 0) {
    throw new UserError(
      `stage "${stage.name}" has no trust policy: add stages.${stage.name}.trust (keys that may sign its evidence; \`local-dev\` for this repository's development key) — see docs/evidence.md`,
    );
  }
  const clients = ctx.clients;
  const cache = new Map<string, Promise<KeyObject>>();
  return resolveTrust(stage.trust, {
    configDir: ctx.configDir,
    stateDir: ctx.keyDir ?? ctx.stateDir,
    kmsPublicKey: (arn) => {
      let hit = cache.get(arn);
      if (!hit) {
        const region = kmsRegion(arn);
        hit = kmsPublicKey(arn, () => kmsClient(clients, region));
        cache.set(arn, hit);
      }
      return hit;
    },
  });
}

/**
 * Every key some stage trusts (deduplicated): what `report` counts and what `verify` accepts
 * when no stage is named. Stages without `trust` add nothing.
 */
export async function trustOfAllStages(
  stages: readonly { trust?: readonly TrustEntry[] | undefined }[],
  ctx: EvidenceContext,
): Promise<TrustedKey[]> {
  const entries: TrustEntry[] = [];
  const seen = new Set<string>();
  for (const e of stages.flatMap((s) => s.trust ?? [])) {
    const k = JSON.stringify(e);
    if (!seen.has(k)) entries.push(e);
    seen.add(k);
  }
  if (entries.length === 0) return [];
  const keys = await trustFor({ name: '(all stages)', trust: entries }, ctx);
  return keys.filter((k, i) => keys.findIndex((o) => o.keyId === k.keyId) === i);
}
