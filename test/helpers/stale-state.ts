import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BaseImage } from '../../src/evidence/verdict.js';
import { appendPromotion } from '../../src/promote/records.js';
import { signPromotionSync, TEST_KEY } from './evidence.js';
import { makeVerdict, storeVerdict } from './verdicts.js';

/**
 * A state directory as `gate` leaves it: a signed verdict for `image` recording `base` (none for
 * a verdict from before bases were recorded) and a promotion line relying on it.
 */
export function promoteWithBase(
  stateDir: string,
  image: string,
  artifact: { kind: 'ami' | 'docker-image'; id: string; region?: string },
  base: BaseImage | undefined,
  at = '2026-11-28T08:00:00.000Z',
): void {
  const verdict = { ...makeVerdict(artifact), image, ...(base ? { base } : {}) };
  const file = storeVerdict(stateDir, verdict);
  const attestationSha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  const record = {
    schema: 'imagegate.promotion/v1' as const,
    stage: 'prod',
    at,
    artifact,
    attestationSha256,
  };
  appendPromotion(stateDir, { ...record, signer: TEST_KEY.keyId, attestation: signPromotionSync(record) });
}
