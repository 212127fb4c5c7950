import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'imagegate-config-')), 'imagegate.yaml');
  writeFileSync(file, text);
  return file;
}

const KMS = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const stage = (trust: string) => `stages:\n  prod:\n    trust: ${trust}\n    regions: [eu-west-1]\n`;

describe('imagegate.yaml evidence: and stages.*.trust', () => {
  it('accepts each signer form and each trust entry form', () => {
    for (const signer of ['local-dev', '{ local: keys/ci.key }', `{ kms: "${KMS}" }`]) {
      const c = loadConfig(
        configFile(`evidence:\n  signer: ${signer}\n  store: s3://bucket/evidence\n`),
      ).config;
      expect(c.evidence?.signer).toBeDefined();
    }
    const c = loadConfig(
      configFile(
        stage(
          `[local-dev, { publicKey: keys/prod.pub }, { kms: "${KMS}" }, { kms: "${KMS}", publicKey: kms.pub }]`,
        ),
      ),
    ).config;
    expect(c.stages?.prod?.trust).toHaveLength(4);
  });

  it('refuses an empty trust list, an unknown entry, a key alias instead of a key ARN, and an unknown signer', () => {
    expect(() => loadConfig(configFile(stage('[]')))).toThrow(
      /stages\.prod\.trust: must NOT have fewer than 1 items/,
    );
    expect(() => loadConfig(configFile(stage('[anyone]')))).toThrow(/stages\.prod\.trust\.0/);
    expect(() =>
      loadConfig(configFile(stage('[{ kms: "arn:aws:kms:eu-west-1:111111111111:alias/prod" }]'))),
    ).toThrow(/stages\.prod\.trust\.0\.kms: must match pattern/);
    expect(() => loadConfig(configFile('evidence:\n  signer: { gpg: x }\n'))).toThrow(/evidence\.signer/);
  });
});
