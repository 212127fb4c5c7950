import { describe, expect, it } from 'vitest';
import { buildCollector } from '../../../../src/suite/collector.js';
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

  it('reads SysV start links in /etc/rcN.d as runlevels, even without an init running', () => {
    const f = frames(
      ['_init', 'kind', 'sysv'],
      ['_init', 'pid1', 'sleep'],
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

  it('answers, as goss, where nothing manages services: not enabled, not running', () => {
    const f = frames(['_init', 'kind', 'sysv'], ['_init', 'pid1', 'node'], ['r0', 'running', '1']);
    expect(service.facts(spec('service', 'nginx'), 'r0', f)).toEqual({
      enabled: { value: false },
      running: { value: false },
      runlevels: { value: [] },
    });
    // No `service` command and no init script: still an answer, not an error.
    const bare = frames(['_init', 'kind', 'sysv'], ['_init', 'pid1', 'node']);
    expect(service.facts(spec('service', 'nginx'), 'r0', bare).running).toEqual({ value: false });
  });

  it('falls back to `service NAME status` (goss) before /etc/init.d/NAME', () => {
    const { script } = buildCollector([{ id: 'r0', spec: spec('service', 'ssh', { running: true }) }]);
    expect(script).toMatch(/command -v service >\/dev\/null 2>&1; then service "\$_ign" status/);
    expect(script).toContain('/etc/rc[0-9].d/S[0-9][0-9]"$_ign"');
  });

  it('names the resource "key: name" when name differs, like goss', () => {
    expect(resourceIdOf(service, spec('service', 'web', { name: 'nginx' }))).toBe('web: nginx');
    expect(resourceIdOf(service, spec('service', 'nginx'))).toBe('nginx');
  });
});
