import { describe, expect, it } from 'vitest';
import { buildReportModel } from '../../../../src/report/compliance/assemble.js';
import { metaControls, parseSelector } from '../../../../src/report/compliance/controls.js';
import { baseVerdict, webVerdict } from '../../../fixtures/report/verdicts.js';
import { fixtureModel, inputs, REJECTED, VERIFIED } from './helpers.js';

describe('parseSelector', () => {
  it('reads bare and prefixed policy ids', () => {
    expect(parseSelector('apt-noninteractive')).toMatchObject({ kind: 'policy', ref: 'apt-noninteractive' });
    expect(parseSelector('policy:apt-noninteractive')).toMatchObject({
      kind: 'policy',
      ref: 'apt-noninteractive',
    });
  });

  it('reads suite, resource and property selectors with * wildcards', () => {
    const suite = parseSelector('suite:builtin:*');
    expect(suite.kind === 'check' && suite.match.suite?.test('builtin:cleanup')).toBe(true);
    const prop = parseSelector('file:/etc/ssh/*#mode');
    if (prop.kind !== 'check') throw new Error('expected a check selector');
    expect(prop.match.type?.test('File')).toBe(true);
    expect(prop.match.id?.test('/etc/ssh/sshd_config')).toBe(true);
    expect(prop.match.id?.test('/etc/passwd')).toBe(false);
    expect(prop.match.property?.test('mode')).toBe(true);
    expect(prop.match.property?.test('owner')).toBe(false);
  });

  it('treats regex characters in ids literally', () => {
    const s = parseSelector('command:ls /etc/ssh/ssh_host_(rsa|ed25519).pub');
    if (s.kind !== 'check') throw new Error('expected a check selector');
    expect(s.match.id?.test('ls /etc/ssh/ssh_host_(rsa|ed25519).pub')).toBe(true);
    expect(s.match.id?.test('ls /etc/ssh/ssh_host_rsa.pub')).toBe(false);
  });
});

describe('metaControls', () => {
  it('reads meta.controls lists and strings, and prefixes bare meta.cis ids with CIS', () => {
    expect(metaControls({ controls: ['NIST AC-2', 'ORG-1'], cis: '5.2.10' })).toEqual([
      'NIST AC-2',
      'ORG-1',
      'CIS-5.2.10',
    ]);
    expect(metaControls({ cis: ['CIS-1.1', 4.2] })).toEqual(['CIS-1.1', 'CIS-4.2']);
    expect(metaControls({ owner: 'x' })).toEqual([]);
    expect(metaControls(null)).toEqual([]);
  });
});

describe('control view', () => {
  const { model } = fixtureModel();
  const row = (id: string) => model.controls.find((c) => c.id === id)!;

  it('merges policy, meta and config evidence into one row per control, sorted naturally', () => {
    expect(model.controls.map((c) => c.id)).toEqual([
      'CIS-1.9',
      'CIS-3.1.1',
      'CIS-5.2.2',
      'CIS-5.2.10',
      'CIS-6.1.1',
      'NIST CM-6',
      'NIST CM-7',
      'ORG-LOG-1',
      'ORG-WEB-2',
    ]);
    expect(row('CIS-5.2.10').evidence.map((e) => `${e.via}:${e.ref}`)).toEqual([
      'config:file:/etc/ssh/sshd_config#contents',
      'meta:file:/etc/ssh/sshd_config',
    ]);
  });

  it('counts a check once per control even when two selectors name it', () => {
    // /etc/passwd is named by config and by meta.cis on the base image: 2 passwd checks + 1 shadow.
    expect(row('CIS-6.1.1')).toMatchObject({ status: 'pass', pass: 3, fail: 0, coveredArtifacts: 2 });
    expect(row('CIS-5.2.10')).toMatchObject({ status: 'fail', pass: 0, fail: 1, coveredArtifacts: 1 });
  });

  it('evaluates a policy per artifact whose template was linted', () => {
    expect(row('CIS-1.9')).toMatchObject({ status: 'fail', pass: 1, fail: 1, coveredArtifacts: 2 });
  });

  it('calls a control with only skipped evidence not covered', () => {
    expect(row('ORG-LOG-1')).toMatchObject({ status: 'not-covered', skip: 1, coveredArtifacts: 0 });
    expect(model.summary.controls).toEqual({ total: 9, pass: 4, fail: 4, notCovered: 1, notApplicable: 0 });
  });

  it('leaves tampered verdicts out of the evidence', () => {
    expect(model.controlsExcludedTampered).toBe(1);
    // The tampered legacy verdict has an apt-noninteractive finding; it must not count.
    expect(row('CIS-1.9').fail).toBe(1);
    const base = inputs({
      verdicts: [
        { file: 'w', verdict: webVerdict(), check: REJECTED },
        { file: 'b', verdict: baseVerdict(), check: VERIFIED },
      ],
      controls: { 'ORG-WEB-2': ['service:nginx'] },
    });
    const m = buildReportModel(base, { title: 't', generatedAt: 'now', toolVersion: '0' });
    expect(m.controls.find((c) => c.id === 'ORG-WEB-2')).toMatchObject({ status: 'not-covered', pass: 0 });
  });
});
