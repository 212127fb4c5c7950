import type { ResourceDef } from './api.js';
import { failure, sharedId, stringOption, value } from './api.js';

const PROBE = 'processes';

/** The kernel keeps 15 characters of a process name in /proc/PID/comm. */
const COMM_LENGTH = 15;

/** goss `process`: running when some process's executable name (comm) equals the key. */
export const proc: ResourceDef = {
  type: 'process',
  keyAttr: 'comm',
  required: 'running',
  attributes: [{ key: 'running' }],
  options: ['name'],
  plan(_spec, _id, plan) {
    // One read of every process name serves all process resources.
    plan.shared(PROBE, `cat /proc/[0-9]*/comm 2>/dev/null | _igb ${sharedId(PROBE)} comm`);
  },
  facts(spec, _id, frames) {
    const comms = frames.text(sharedId(PROBE), 'comm');
    if (comms === undefined) return { running: failure('could not list processes (/proc) on the target') };
    const name = (stringOption(spec, 'name') ?? spec.key).slice(0, COMM_LENGTH);
    return { running: value(comms.split('\n').includes(name)) };
  },
};
