import { shQuote } from '../quote.js';
import type { AttrFact, ResourceDef } from './api.js';
import { allAttrs, failure, sharedId, stringOption, value } from './api.js';

const PROBE = 'init';
const ID = sharedId(PROBE);

/** Which service manager answers: systemd, OpenRC, or SysV scripts. */
const PROBE_SH = [
  `_igv=; IFS= read -r _igv 2>/dev/null </proc/1/comm; _igr ${ID} pid1 "$_igv"`,
  'if [ -d /run/systemd/system ]; then _igi=systemd',
  'elif [ -d /run/openrc ] || command -v openrc >/dev/null 2>&1; then _igi=openrc',
  'else _igi=sysv; fi',
  `_igr ${ID} kind "$_igi"`,
].join('\n');

/**
 * goss `service`. systemd (`systemctl is-enabled/is-active`), OpenRC (`rc-service`, runlevel
 * links), else goss's SysV fallback (`service NAME status`, or `/etc/init.d/NAME status`
 * where `service` is missing; `/etc/rcN.d/S??NAME` links). As in goss, a service nothing
 * manages (a container whose PID 1 is the application) is not enabled and not running.
 */
export const service: ResourceDef = {
  type: 'service',
  keyAttr: 'name',
  attributes: [{ key: 'enabled' }, { key: 'running' }, { key: 'runlevels' }],
  options: ['name'],
  check(spec) {
    // A unit or init script name: /etc/init.d/NAME must stay inside /etc/init.d.
    if (!/^[A-Za-z0-9@_.:+\\-]+$/.test(spec.key) || spec.key.startsWith('-') || /^\.\.?$/.test(spec.key))
      return `service name "${spec.key}" is not a unit or init script name (letters, digits, @ _ . : + - \\, not starting with "-")`;
    return undefined;
  },
  plan(spec, id, plan) {
    plan.shared(PROBE, PROBE_SH);
    const name = shQuote(stringOption(spec, 'name') ?? spec.key);
    plan.inline(
      [
        `_ign=${name}`,
        'case $_igi in',
        `systemd) systemctl -q is-enabled -- "$_ign" >/dev/null 2>&1; _igr ${id} enabled $?`,
        `  systemctl -q is-active -- "$_ign" >/dev/null 2>&1; _igr ${id} running $? ;;`,
        `openrc) rc-service "$_ign" status >/dev/null 2>&1; _igr ${id} running $?`,
        `  for _igl in /etc/runlevels/*/"$_ign"; do [ -e "$_igl" ] && _igr ${id} level "\${_igl#/etc/runlevels/}"; done ;;`,
        // goss's SysV fallback: `service NAME status`, start links in /etc/rcN.d.
        `*) if command -v service >/dev/null 2>&1; then service "$_ign" status >/dev/null 2>&1; _igr ${id} running $?`,
        `  elif [ -x /etc/init.d/"$_ign" ]; then /etc/init.d/"$_ign" status >/dev/null 2>&1; _igr ${id} running $?; fi`,
        `  for _igl in /etc/rc[0-9].d/S[0-9][0-9]"$_ign"; do [ -e "$_igl" ] && _igr ${id} level "\${_igl#/etc/rc}"; done ;;`,
        'esac',
      ].join('\n'),
    );
  },
  facts(_spec, id, frames) {
    const keys = this.attributes.map((a) => a.key);
    const kind = frames.text(ID, 'kind');
    if (kind === undefined)
      return allAttrs(keys, failure('not collected: the collector script stopped early'));
    // One `level` frame per start link found (rc2.d/S01x → 2, runlevels/default/x → default).
    const levels = frames
      .all(id, 'level')
      .map((l) => l.split(/[./]/)[0]!)
      .filter((l) => l !== '');
    const out: Record<string, AttrFact> = { runlevels: value([...new Set(levels)].sort()) };
    if (kind === 'systemd') {
      out.enabled = value(frames.text(id, 'enabled') === '0');
      out.running = value(frames.text(id, 'running') === '0');
      out.runlevels = failure('runlevels are a SysV/OpenRC notion; systemd has targets');
      return out;
    }
    if (kind === 'openrc') {
      out.enabled = value(levels.length > 0);
      out.running = value(frames.text(id, 'running') === '0');
      return out;
    }
    // As goss: without an init system a service is simply not enabled and not running.
    out.enabled = value(levels.length > 0);
    out.running = value(frames.text(id, 'running') === '0');
    return out;
  },
};
