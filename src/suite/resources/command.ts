import { type LinesFact, linesFact } from '../matchers/api.js';
import { shQuote, shSeconds } from '../quote.js';
import type { ResourceDef } from './api.js';
import { allAttrs, failure, option, oversized, stringOption, value } from './api.js';

/** goss's default command timeout. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/** goss `command`: run with `sh -c` on the target, in a parallel lane, killed at `timeout` (ms). */
export const command: ResourceDef = {
  type: 'command',
  keyAttr: 'exec',
  required: 'exit-status',
  attributes: [
    { key: 'exit-status' },
    { key: 'stdout', emptyListUnset: true },
    { key: 'stderr', emptyListUnset: true },
  ],
  options: ['exec', 'timeout'],
  plan(spec, id, plan) {
    const line = stringOption(spec, 'exec') ?? spec.key;
    const timeout = option(spec, 'timeout', 0) || DEFAULT_COMMAND_TIMEOUT_MS;
    plan.parallel(`_igto ${id} ${shSeconds(timeout)} sh -c ${shQuote(line)}; _igcf ${id}`, timeout);
  },
  facts(spec, id, frames) {
    const keys = this.attributes.map((a) => a.key);
    if (frames.has(id, 'to')) {
      const timeout = option(spec, 'timeout', 0) || DEFAULT_COMMAND_TIMEOUT_MS;
      return allAttrs(keys, failure(`Command execution timed out (${timeout / 1000}s)`));
    }
    const rc = frames.text(id, 'rc');
    if (rc === undefined) return allAttrs(keys, failure('not collected: the collector script stopped early'));
    const lines = (key: string): LinesFact => linesFact(frames.text(id, key) ?? '', '*bytes.Reader');
    const cutOut = oversized('stdout', frames.bytes(id, 'out'));
    const cutErr = oversized('stderr', frames.bytes(id, 'err'));
    // Cutting the output ends the command with SIGPIPE, so its exit status is not its own either.
    const cut = cutOut ?? cutErr;
    return {
      'exit-status': cut ?? value(Number(rc)),
      stdout: cutOut ?? value(lines('out')),
      stderr: cutErr ?? value(lines('err')),
    };
  },
};
