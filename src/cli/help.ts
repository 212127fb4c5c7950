import type { Option } from 'commander';

/**
 * Option help as a person reads it: defaults unquoted (`default: .imagegate`), no `(default: [])`
 * for repeatable flags, choices listed plainly.
 */
export function describeOption(option: Option): string {
  const extra: string[] = [];
  if (option.argChoices) extra.push(`one of: ${option.argChoices.join(', ')}`);
  const d: unknown = option.defaultValue;
  const empty =
    d === undefined || (Array.isArray(d) && d.length === 0) || (option.isBoolean() && d === false);
  if (!empty && !option.negate)
    extra.push(
      `default: ${option.defaultValueDescription ?? (typeof d === 'string' ? d : JSON.stringify(d))}`,
    );
  return extra.length ? `${option.description} (${extra.join('; ')})` : option.description;
}
