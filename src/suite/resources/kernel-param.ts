import { shQuote } from '../quote.js';
import type { ResourceDef } from './api.js';
import { failure, value } from './api.js';

/** goss `kernel-param`: `net.ipv4.ip_forward` is read from /proc/sys/net/ipv4/ip_forward. */
export const kernelParam: ResourceDef = {
  type: 'kernel-param',
  attributes: [{ key: 'value' }],
  options: [],
  plan(spec, id, plan) {
    const path = `/proc/sys/${spec.key.replaceAll('.', '/')}`;
    // `read` is a builtin: no process per parameter. A last line without a newline still counts.
    plan.inline(
      `_igv=; if IFS= read -r _igv 2>/dev/null <${shQuote(path)} || [ -n "$_igv" ]; then _igr ${id} value "$_igv"; fi`,
    );
  },
  facts(spec, id, frames) {
    const v = frames.text(id, 'value');
    return { value: v === undefined ? failure(`kernel parameter ${spec.key} not found`) : value(v.trim()) };
  },
};
