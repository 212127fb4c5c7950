import type { Template } from '../template/model.js';
import type { Hit } from './types.js';

/**
 * A check primitive turns a policy's parameters into a function over templates. `prepare`
 * runs once when policies load (compile regexes, apply defaults) and throws `Error` on
 * parameters the schema could not catch; the returned function runs once per template.
 */
export interface CheckModule<P> {
  prepare(params: P): (template: Template) => Hit[];
  /**
   * Whether the template has anything this check judges (a source of its builder types, a
   * shell provisioner, …). A check that does not apply finds nothing, and that is no evidence
   * of compliance: reports show it as not applicable instead of passed. Absent means it
   * always applies; when a module cannot tell, it must answer true.
   */
  applies?(params: P, template: Template): boolean;
}

/** Regex from a policy: `(?i)` prefix (as in RE2/Go) makes it case-insensitive. */
export function compileRegex(pattern: string, what: string): RegExp {
  const ci = pattern.startsWith('(?i)');
  try {
    return new RegExp(ci ? pattern.slice(4) : pattern, ci ? 'i' : '');
  } catch (err) {
    throw new Error(
      `${what}: invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`,
    );
  }
}

/** Fill `{name}` placeholders of a policy message. Unknown placeholders stay as written. */
export function fill(message: string, vars: Record<string, string | number | undefined>): string {
  return message.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const v = vars[key];
    return v === undefined ? whole : String(v);
  });
}
