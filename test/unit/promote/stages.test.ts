import { describe, expect, it } from 'vitest';
import { findStage, repositoryFor, stageLadder } from '../../../src/promote/stages.js';

describe('stage ladder', () => {
  it('normalises region shorthand and gives copyTo the stage role', () => {
    const [dev] = stageLadder({
      dev: {
        regions: ['eu-west-1', { region: 'us-east-1', kmsKeyId: 'alias/x' }],
        role: 'arn:aws:iam::{account}:role/r',
        copyTo: [{ accounts: ['444444444444', '555555555555'] }],
      },
    });
    expect(dev).toMatchObject({
      kind: 'aws',
      regions: [{ region: 'eu-west-1' }, { region: 'us-east-1', kmsKeyId: 'alias/x' }],
      copyTo: [
        { account: '444444444444', role: 'arn:aws:iam::{account}:role/r', kmsKeyIds: {} },
        { account: '555555555555', role: 'arn:aws:iam::{account}:role/r', kmsKeyIds: {} },
      ],
    });
  });

  it.each([
    [{ prod: { requires: 'dev', regions: ['eu-west-1'] } }, /stages\.prod\.requires: no stage named "dev"/],
    [
      { prod: { requires: 'dev', regions: ['eu-west-1'] }, dev: { regions: ['eu-west-1'] } },
      /"dev" must come before "prod"/,
    ],
    [
      { dev: { regions: ['eu-west-1'], registry: { repository: 'localhost:5001/dev/web' } } },
      /both registry and regions/,
    ],
    [{ dev: {} }, /needs regions .* or registry/],
    [
      { dev: { regions: ['eu-west-1'], copyTo: [{ accounts: ['444444444444'] }] } },
      /copyTo\.0: needs a role/,
    ],
    [{ dev: { regions: ['eu-west-1', 'eu-west-1'] } }, /eu-west-1 is listed twice/],
  ])('rejects what the schema cannot: %j', (stages, message) => {
    expect(() => stageLadder(stages)).toThrow(message);
  });

  it('names the stages there are when asked for one that is not', () => {
    expect(() => findStage({ dev: { registry: { repository: 'localhost:5001/dev/web' } } }, 'prod')).toThrow(
      /unknown stage "prod" \(stages in imagegate.yaml: dev\)/,
    );
  });
});

describe('repositoryFor', () => {
  const stage = {
    kind: 'registry' as const,
    name: 'dev',
    repository: 'localhost:5001/dev/{image}',
    tags: ['dev'],
  };

  it('fills {image} from the verdict and leaves a fixed repository alone', () => {
    expect(repositoryFor(stage, 'web').repository).toBe('localhost:5001/dev/web');
    const fixed = { ...stage, repository: 'localhost:5001/dev/web' };
    expect(repositoryFor(fixed, undefined)).toBe(fixed);
  });

  it('refuses {image} when the verdict names no image', () => {
    expect(() => repositoryFor(stage, undefined)).toThrow(
      /stages\.dev\.registry\.repository: uses \{image\}/,
    );
  });
});
