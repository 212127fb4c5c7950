import type { ResourceDef } from './api.js';
import { allAttrs, checkName, failure, stringOption, value } from './api.js';

/** goss `group`: one group entry (NSS via getent, /etc/group where getent is missing). */
export const group: ResourceDef = {
  type: 'group',
  keyAttr: 'groupname',
  required: 'exists',
  gate: 'exists',
  attributes: [{ key: 'exists' }, { key: 'gid' }],
  options: ['name'],
  check(spec) {
    return checkName('group name', stringOption(spec, 'name') ?? spec.key);
  },
  plan(spec, id, plan) {
    plan.batch('group', id, stringOption(spec, 'name') ?? spec.key);
  },
  facts(spec, id, frames) {
    const name = stringOption(spec, 'name') ?? spec.key;
    const gr = frames.text(id, 'gr');
    if (gr === undefined)
      return allAttrs(['exists', 'gid'], failure('not collected: the collector script stopped early'));
    const entry = gr
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[0] === name && f.length >= 3);
    if (!entry) return { exists: value(false), gid: failure(`group: unknown group ${name}`) };
    return { exists: value(true), gid: value(Number(entry[2])) };
  },
};
