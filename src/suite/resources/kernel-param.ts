import type { ResourceDef } from './api.js';
import { failure, value } from './api.js';

/** goss `kernel-param`: `net.ipv4.ip_forward` is read from /proc/sys/net/ipv4/ip_forward. */
export const kernelParam: ResourceDef = {
  type: 'kernel-param',
  keyAttr: 'name',
  required: 'value',
  attributes: [{ key: 'value' }],
  options: [],
  plan(spec, id, plan) {
    // Every parameter of the suite is read by one `head` (src/suite/batch.ts).
    plan.batch('sysctl', id, `/proc/sys/${spec.key.replaceAll('.', '/')}`);
  },
  facts(spec, id, frames) {
    const v = frames.text(id, 'value');
    return { value: v === undefined ? failure(`kernel parameter ${spec.key} not found`) : value(v.trim()) };
  },
};
