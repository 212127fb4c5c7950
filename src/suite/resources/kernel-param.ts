import { shQuote } from '../quote.js';
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
    const path = `/proc/sys/${spec.key.replaceAll('.', '/')}`;
    // Not the `read` builtin: dash reads byte by byte, and integer sysctls answer a read at a
    // non-zero offset with EOF (kernel.pid_max would come back as "4").
    plan.inline(`_igf ${id} value ${shQuote(path)}`);
  },
  facts(spec, id, frames) {
    const v = frames.text(id, 'value');
    return { value: v === undefined ? failure(`kernel parameter ${spec.key} not found`) : value(v.trim()) };
  },
};
