import { UserError } from '../core/errors.js';

/** goss's exit code for a suite that cannot be loaded (bad YAML, schema, template, include). */
const SUITE_ERROR_EXIT = 78;

/** A gossfile problem the user must fix; the message names file, line and key. */
export class SuiteError extends UserError {
  constructor(message: string) {
    super(message, SUITE_ERROR_EXIT);
    this.name = 'SuiteError';
  }
}
