/**
 * Small helpers for reading a command's argv the way the tool itself would: options first or
 * anywhere, short flags clustered (`-yq`), `--opt=value`, options that take a value.
 */

/**
 * True when any of `flags` is present: exact (also option values such as
 * `APT::Get::Assume-Yes=true`), `--long=value`, or a one-letter flag inside a cluster.
 */
export function hasAnyFlag(args: readonly string[], flags: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    for (const flag of flags) {
      if (arg === flag) return true;
      if (flag.startsWith('--') && arg.startsWith(`${flag}=`)) return true;
      // `-y` inside `-qy`; only single-letter short flags cluster.
      if (/^-[A-Za-z0-9]$/.test(flag) && /^-[A-Za-z0-9]{2,}$/.test(arg) && arg.includes(flag[1]!))
        return true;
    }
  }
  return false;
}

/**
 * Positional arguments (not options, not option values), in order. `optionsWithValue` names
 * options whose value is the next word (`-o X`, `-t bookworm-backports`).
 */
export function positionals(args: readonly string[], optionsWithValue: readonly string[] = []): string[] {
  const out: string[] = [];
  let skipNext = false;
  let afterDashDash = false;
  for (const arg of args) {
    if (skipNext) {
      skipNext = false;
      continue;
    }
    if (afterDashDash) {
      out.push(arg);
      continue;
    }
    if (arg === '--') {
      afterDashDash = true;
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') {
      if (optionsWithValue.includes(arg)) skipNext = true;
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** Value of an option (`-O file`, `--output file`, `--output=file`, `-Ofile`, `-sLo file`), if present. */
export function optionValue(args: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    for (const name of names) {
      if (arg === name) return args[i + 1];
      if (name.startsWith('--') && arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
      if (/^-[A-Za-z]$/.test(name) && !arg.startsWith('--')) {
        // `-fsSLo FILE`: the option ends a cluster and takes the next word.
        if (/^-[A-Za-z]+$/.test(arg) && arg.endsWith(name[1]!)) return args[i + 1];
        if (arg.startsWith(name) && arg.length > 2) return arg.slice(2);
      }
    }
  }
  return undefined;
}
