import { shQuote } from '../quote.js';
import type { ResourceDef } from './api.js';
import { allAttrs, checkName, failure, stringOption, value } from './api.js';

/** goss `user`: one passwd entry (NSS via getent, /etc/passwd where getent is missing) plus `id -Gn`. */
export const user: ResourceDef = {
  type: 'user',
  keyAttr: 'username',
  required: 'exists',
  gate: 'exists',
  attributes: [
    { key: 'exists' },
    { key: 'uid' },
    { key: 'gid' },
    { key: 'groups' },
    { key: 'home' },
    { key: 'shell' },
  ],
  options: ['name'],
  check(spec) {
    return checkName('user name', stringOption(spec, 'name') ?? spec.key);
  },
  plan(spec, id, plan) {
    const name = stringOption(spec, 'name') ?? spec.key;
    plan.batch('passwd', id, name);
    if (spec.attrs.groups !== undefined)
      plan.inline(`_igr ${id} groups "$(id -Gn -- ${shQuote(name)} 2>/dev/null)"`);
  },
  facts(spec, id, frames) {
    const keys = this.attributes.map((a) => a.key);
    const name = stringOption(spec, 'name') ?? spec.key;
    const pw = frames.text(id, 'pw');
    if (pw === undefined) return allAttrs(keys, failure('not collected: the collector script stopped early'));
    const entry = pw
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[0] === name && f.length >= 7);
    if (!entry) return { ...allAttrs(keys, failure(`user: unknown user ${name}`)), exists: value(false) };
    const groups = frames.text(id, 'groups');
    return {
      exists: value(true),
      uid: value(Number(entry[2])),
      gid: value(Number(entry[3])),
      home: value(entry[5]),
      shell: value(entry[6]),
      groups: groups ? value(groups.trim().split(/\s+/)) : failure(`id -Gn ${name} failed on the target`),
    };
  },
};
