import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { stageLadder } from '../../../src/promote/stages.js';

const fixture = (name: string) => new URL(`../../fixtures/promote/${name}`, import.meta.url).pathname;

describe('stages in imagegate.yaml', () => {
  it('validates against schemas/config/stages.schema.json and keeps ladder order', () => {
    const { config } = loadConfig(fixture('imagegate.yaml'));
    const ladder = stageLadder(config.stages);
    expect(ladder.map((s) => [s.name, s.kind, s.requires])).toEqual([
      ['dev', 'registry', undefined],
      ['staging', 'aws', 'dev'],
      ['prod', 'aws', 'staging'],
    ]);
    expect(ladder[2]).toMatchObject({
      regions: [{ region: 'eu-west-1' }, { region: 'us-east-1', kmsKeyId: 'alias/prod-ebs' }],
      copyTo: [{ account: '444444444444', role: 'arn:aws:iam::{account}:role/imagegate-promote' }],
    });
  });

  it('takes registry credentials as environment variable names', () => {
    const { config } = loadConfig(fixture('registry-credentials.yaml'));
    expect(stageLadder(config.stages)[0]).toMatchObject({
      kind: 'registry',
      credentials: { usernameEnv: 'GHCR_USER', passwordEnv: 'GHCR_TOKEN' },
    });
  });

  it('rejects a password written into the file, without repeating it', () => {
    let message = '';
    try {
      loadConfig(fixture('registry-inline-password.yaml'));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(
      /registry-inline-password\.yaml:6:\d+: invalid imagegate.yaml: stages\.prod\.registry\.credentials/,
    );
    expect(message).not.toContain('ghp_');
  });

  it('names file, line and key of a bad account id', () => {
    expect(() => loadConfig(fixture('bad-account.yaml'))).toThrow(
      /bad-account\.yaml:6:\d+: invalid imagegate.yaml: stages\.prod\.shareWith\.0: must match pattern/,
    );
  });
});
