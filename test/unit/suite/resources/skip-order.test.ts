import { describe, expect, it } from 'vitest';
import { evaluateResource } from '../../../../src/suite/run.js';
import { spec } from './helpers.js';

/** goss's Validate order and shouldSkip, on synthetic facts. */
describe('evaluateResource', () => {
  const exists = (v: boolean) => ({
    exists: { value: v },
    mode: { value: '0644' },
    owner: { value: 'root' },
  });

  it('skips the rest when the gate fails', () => {
    const r = evaluateResource(
      spec('file', '/x', { owner: 'root', exists: true, mode: '0644' }),
      exists(false),
    );
    expect(r.map((x) => [x.property, x.result])).toEqual([
      ['exists', 1],
      ['mode', 2],
      ['owner', 2],
    ]);
    expect(r[1]?.['summary-line']).toBe('File: /x: mode: skipped');
    expect(r[1]?.successful).toBe(true);
  });

  it('skips the rest when the gate passes with false (expected absent and absent)', () => {
    const r = evaluateResource(spec('file', '/x', { exists: false, mode: '0644' }), exists(false));
    expect(r.map((x) => x.result)).toEqual([0, 2]);
  });

  it('checks everything when the gate holds, in goss order, and skips unset or empty expectations', () => {
    const r = evaluateResource(
      spec('file', '/x', { owner: 'nobody', mode: '0644', exists: true, contents: [] }),
      exists(true),
    );
    expect(r.map((x) => [x.property, x.result])).toEqual([
      ['exists', 0],
      ['mode', 0],
      ['owner', 1],
    ]);
  });

  it('checks an empty list where goss tests != nil, skips it only where goss tests isSet', () => {
    const svc = evaluateResource(spec('service', 'apache2', { enabled: true, runlevels: [] }), {
      enabled: { value: true },
      runlevels: { value: ['2', '3', '4', '5'] },
    });
    expect(svc.map((x) => [x.property, x.result])).toEqual([
      ['enabled', 0],
      ['runlevels', 0],
    ]);
    const user = evaluateResource(spec('user', 'u', { exists: true, groups: [] }), {
      exists: { value: true },
      groups: { value: ['u'] },
    });
    expect(user.map((x) => x.property)).toEqual(['exists', 'groups']);
    const cmd = evaluateResource(spec('command', 'x', { 'exit-status': 0, stdout: [], stderr: [] }), {
      'exit-status': { value: 0 },
    });
    expect(cmd.map((x) => x.property)).toEqual(['exit-status']);
  });

  it('turns a collection error into a failed result with goss err', () => {
    const r = evaluateResource(spec('kernel-param', 'a.b', { value: '1' }), {
      value: { error: 'kernel parameter a.b not found' },
    });
    expect(r[0]).toMatchObject({ result: 1, successful: false, err: 'kernel parameter a.b not found' });
    expect(r[0]?.['summary-line']).toContain('kernel parameter a.b not found');
  });

  it('marks everything skipped with skip: true, and flags unknown attributes', () => {
    const skipped = evaluateResource(spec('file', '/x', { exists: true, mode: '0644' }, true), {});
    expect(skipped.every((x) => x.skipped && x.result === 2)).toBe(true);
    const unknown = evaluateResource(spec('group', 'g', { exists: true, colour: 'blue' }), {
      exists: { value: true },
    });
    expect(unknown[1]).toMatchObject({
      property: 'colour',
      result: 1,
      err: expect.stringMatching(/unknown attribute "colour" for group \(g.yaml:3\)/),
    });
  });

  it('has no gate for command: exit-status failing does not skip stdout', () => {
    const r = evaluateResource(spec('command', 'x', { 'exit-status': 0, stdout: ['ok'] }), {
      'exit-status': { value: 1 },
      stdout: { value: { kind: 'lines', lines: ['ok'] } },
    });
    expect(r.map((x) => x.result)).toEqual([1, 0]);
  });

  it('fails a required attribute left out, as goss ("Missing required attribute"), and gates on it', () => {
    const r = evaluateResource(spec('file', '/x', { mode: '0644' }), exists(true));
    expect(r.map((x) => [x.property, x.result, x.err])).toEqual([
      ['exists', 1, 'Syntax Error: Missing required attribute'],
      ['mode', 2, null],
    ]);
    const cmd = evaluateResource(spec('command', 'x', { stdout: ['ok'] }), {
      'exit-status': { value: 0 },
      stdout: { value: { kind: 'lines', lines: ['ok'] } },
    });
    expect(cmd.map((x) => [x.property, x.result])).toEqual([
      ['exit-status', 1],
      ['stdout', 0],
    ]);
    // service has no required attribute in goss: nothing written, nothing checked.
    expect(evaluateResource(spec('service', 's', {}), {})).toEqual([]);
  });
});
