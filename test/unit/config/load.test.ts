import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageEntries, parseDuration } from '../../../src/config/images.js';
import { loadConfig } from '../../../src/config/load.js';
import { UserError } from '../../../src/core/errors.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'imagegate-config-')), 'imagegate.yaml');
  writeFileSync(file, text);
  return file;
}

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected a UserError');
}

describe('loadConfig', () => {
  it('names file, line, column and key for a misspelt key, with exit code 2', () => {
    const file = configFile(
      'version: 1\nimages:\n  web:\n    template: packer/web\n    suite: [goss.yaml]\n',
    );
    const err = errorOf(() => loadConfig(file));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(
      `${file}:5:5: invalid imagegate.yaml: images.web.suite: unknown key "suite" (did you mean "suites"?); allowed here: template, varFiles, vars, only, inputs, suites, suiteVars, timeout, test`,
    );
  });

  it('tells the user to quote an account id YAML read as a number', () => {
    const file = configFile('retention:\n  accounts: [111111111111]\n');
    expect(errorOf(() => loadConfig(file)).message).toMatch(
      /:2:14: invalid imagegate.yaml: retention.accounts.0: must be a string: quote it \("111111111111"\)$/,
    );
  });

  it('takes test.ec2.bootTimeout as N(s|m|h) and points at a malformed one', () => {
    const yaml = (t: string) =>
      `images:\n  base:\n    template: packer/base\n    test:\n      ec2:\n        bootTimeout: ${t}\n`;
    expect(loadConfig(configFile(yaml('20m'))).config.images?.base?.test?.ec2?.bootTimeout).toBe('20m');
    const err = errorOf(() => loadConfig(configFile(yaml('ten minutes'))));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(
      `${err.message.split(':')[0]}:6:9: invalid imagegate.yaml: images.base.test.ec2.bootTimeout: must match pattern "^[0-9]+(s|m|h)$" (How long the instance may take to reach running and answer SSH, e.g. 20m for Windows or large AMIs. Default 10m.)`,
    );
  });

  it('reports invalid YAML at its position', () => {
    const file = configFile('images:\n  web: [unclosed\n');
    expect(errorOf(() => loadConfig(file)).message).toMatch(/imagegate.yaml:\d+:\d+: invalid YAML: /);
  });

  it('a missing default file means defaults, a missing named file is an error', () => {
    const cwd = process.cwd();
    process.chdir(mkdtempSync(join(tmpdir(), 'imagegate-noconfig-')));
    try {
      expect(loadConfig(undefined).config).toEqual({});
    } finally {
      process.chdir(cwd);
    }
    expect(errorOf(() => loadConfig('/nonexistent/imagegate.yaml')).message).toMatch(/config file not found/);
  });

  it('resolves image paths against the config directory and defaults the timeout', () => {
    const file = configFile(
      'images:\n  web:\n    template: packer/web\n    suites: [goss/web.yaml, builtin:cleanup]\n    timeout: 45m\n  worker:\n    template: w.pkr.hcl\n',
    );
    const dir = join(file, '..');
    mkdirSync(join(dir, 'packer/web'), { recursive: true });
    mkdirSync(join(dir, 'goss'), { recursive: true });
    writeFileSync(join(dir, 'goss/web.yaml'), '');
    writeFileSync(join(dir, 'w.pkr.hcl'), '');
    const [web, worker] = imageEntries(loadConfig(file));
    expect(web?.template).toBe(join(dir, 'packer/web'));
    expect(web?.suites).toEqual([join(dir, 'goss/web.yaml'), 'builtin:cleanup']);
    expect(web?.timeoutMs).toBe(45 * 60_000);
    expect(worker?.timeoutMs).toBe(60 * 60_000);
  });

  it('parses durations and rejects nonsense with advice', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(() => parseDuration('ten minutes')).toThrow(/use a number with ms, s, m or h/);
    expect(() => parseDuration('600h')).toThrow(/longer than the longest timer/);
  });
});

describe('config errors say what is wrong and what is allowed', () => {
  const bad = (text: string) => {
    const file = configFile(text);
    try {
      loadConfig(file);
    } catch (err) {
      return (err as Error).message.slice(file.length);
    }
    throw new Error('expected the config to be refused');
  };

  it('suggests the key meant and lists the allowed ones', () => {
    expect(bad('version: 1\nimags:\n  web: {}\n')).toBe(
      ':2:1: invalid imagegate.yaml: imags: unknown key "imags" (did you mean "images"?); allowed here: $schema, version, lint, images, evidence, stages, retention, controls',
    );
  });

  it('a key without its colon asks whether the ":" is missing', () => {
    expect(bad('version: 1\nstages:\n  dev:\n    trust [local-dev]\n')).toBe(
      ':3:3: invalid imagegate.yaml: stages.dev: must be object: it reads as text; is a ":" missing after "trust"?',
    );
  });

  it('names the one allowed value instead of "must be equal to constant"', () => {
    expect(bad('version: 2\n')).toBe(':1:1: invalid imagegate.yaml: version: must be 1, not 2');
  });

  it('suggests the enum value a typo meant', () => {
    expect(bad('version: 1\nlint:\n  failOn: eror\n')).toMatch(
      /lint\.failOn: must be one of "error", "warning", "info" \(did you mean "error"\?\)$/,
    );
  });
});
