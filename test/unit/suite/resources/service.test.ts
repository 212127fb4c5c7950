import { describe, expect, it } from 'vitest';
import { resourceIdOf } from '../../../../src/suite/resources/api.js';
import { service } from '../../../../src/suite/resources/service.js';
import { frames, spec } from './helpers.js';

describe('service', () => {
  it('uses systemctl exit codes on systemd', () => {
    const f = frames(
      ['_init', 'kind', 'systemd'],
      ['_init', 'pid1', 'systemd'],
      ['r0', 'enabled', '0'],
      ['r0', 'running', '3'],
    );
    const facts = service.facts(spec('service', 'sshd'), 'r0', f);
    expect(facts.enabled).toEqual({ value: true });
    expect(facts.running).toEqual({ value: false });
  });

  it('reads SysV start links as runlevels, even without an init running', () => {
    const f = frames(
      ['_init', 'kind', 'sysv'],
      ['_init', 'pid1', 'sleep'],
      ['r0', 'script', '1'],
      ['r0', 'running', '0'],
      ['r0', 'level', '3.d/S01x'],
      ['r0', 'level', '2.d/S01x'],
    );
    const facts = service.facts(spec('service', 'x'), 'r0', f);
    expect(facts).toEqual({
      enabled: { value: true },
      running: { value: true },
      runlevels: { value: ['2', '3'] },
    });
  });

  it('gives a clear error, not a guess, where nothing manages services', () => {
    const f = frames(['_init', 'kind', 'sysv'], ['_init', 'pid1', 'node']);
    expect(service.facts(spec('service', 'nginx'), 'r0', f).running).toEqual({
      error: expect.stringMatching(/^no init system on the target \(PID 1 is "node"\)/),
    });
    // With a real init, an unknown service is simply not enabled and not running.
    const init = frames(['_init', 'kind', 'sysv'], ['_init', 'pid1', 'init']);
    expect(service.facts(spec('service', 'nginx'), 'r0', init).running).toEqual({ value: false });
  });

  it('names the resource "key: name" when name differs, like goss', () => {
    expect(resourceIdOf(service, spec('service', 'web', { name: 'nginx' }))).toBe('web: nginx');
    expect(resourceIdOf(service, spec('service', 'nginx'))).toBe('nginx');
  });
});
