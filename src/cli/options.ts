import { type Command, InvalidArgumentError, Option } from 'commander';
import { UserError } from '../core/errors.js';

/**
 * The flags several commands share, defined once so their spelling, validation and help text
 * cannot drift apart. Each returns a fresh Option (commander options belong to one command).
 */

/** Repeatable flag → array. No default list: commander would print `(default: [])` in --help. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export const DEFAULT_CONFIG = 'imagegate.yaml';

/**
 * `-c, --config`. `required`: the command needs the file (gate, build, plan: a missing
 * imagegate.yaml is an error); otherwise a missing default file means built-in defaults.
 */
export function configOption(description = 'imagegate.yaml to read', required = false): Option {
  const o = new Option('-c, --config <file>', description);
  return required ? o.default(DEFAULT_CONFIG, `./${DEFAULT_CONFIG}`) : o;
}

export function quietOption(description = 'no progress on stderr'): Option {
  return new Option('-q, --quiet', description);
}

const RUN_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A run id becomes a container label and an AWS tag value: keep it to a safe alphabet. */
export function parseRunId(value: string): string {
  if (!RUN_ID.test(value))
    throw new InvalidArgumentError(`${value}: use up to 64 letters, digits, dots, dashes or underscores`);
  return value;
}

export function runIdOption(
  description = 'label everything booted with this id (e.g. the CI job id) for `sweep --run-id`',
): Option {
  return new Option('--run-id <id>', description).argParser(parseRunId);
}

export function parseWholeNumber(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${value}: expected a whole number of at least ${min}`);
    return n;
  };
}

export function concurrencyOption(description: string, defaultValue?: number): Option {
  const o = new Option('--concurrency <n>', description).argParser(parseWholeNumber(1));
  return defaultValue === undefined ? o : o.default(defaultValue);
}

export const SEVERITIES = ['error', 'warning', 'info'] as const;

export function failOnOption(description: string): Option {
  return new Option('--fail-on <severity>', description).choices(SEVERITIES);
}

export function insecureHostKeyOption(): Option {
  return new Option(
    '--insecure-ignore-host-key',
    'connect to an EC2 instance (and bastion) whose host key cannot be verified; warned about and recorded in the verdict',
  );
}

/** What an EC2 bastion is verified against; `test` and `gate` boot AMIs the same way. */
export function knownHostsOption(): Option {
  return new Option(
    '--known-hosts <file>',
    'known_hosts to verify an EC2 bastion against (default ~/.ssh/known_hosts); instances are checked against their console output',
  );
}

/** How validate, validate add and drift reach SSH hosts: one set of flags, one wording. */
export function sshHostOptions(cmd: Command, opts: { passwordEnv?: boolean } = {}): Command {
  cmd
    .option('--identity <file>', 'SSH private key (default: ssh-agent via $SSH_AUTH_SOCK)')
    .option(
      '--known-hosts <file>',
      'SSH known_hosts to verify the host key against (default ~/.ssh/known_hosts)',
    )
    .option('--insecure-ignore-host-key', 'SSH: accept any host key (throwaway hosts only)');
  if (opts.passwordEnv)
    cmd.option('--password-env <var>', 'SSH: read the password from this environment variable');
  return cmd.option('--jump <user@host[:port]>', 'SSH: connect through this jump host');
}

/** What `sshHostOptions` parses. */
export interface SshHostFlags {
  identity?: string;
  knownHosts?: string;
  insecureIgnoreHostKey?: boolean;
  passwordEnv?: string;
  jump?: string;
}

/** The parsed SSH flags as `openTransport` takes them; its warnings go to stderr. */
export function sshOpenOptions(o: SshHostFlags) {
  return {
    identity: o.identity,
    knownHosts: o.knownHosts,
    insecureIgnoreHostKey: o.insecureIgnoreHostKey,
    passwordEnv: o.passwordEnv,
    jump: o.jump,
    onWarning: (m: string) => process.stderr.write(`imagegate: ${m}\n`),
  };
}

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Go's time.ParseDuration syntax, as goss takes it: `500ms`, `10s`, `1m30s`. Returns ms. Bad
 * input exits 78 under validate (goss's code), 2 elsewhere.
 */
export function parseGoDuration(text: string, flag: string, exitCode = 78): number {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (text.trim() === '0') return 0;
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.trim()) {
    throw new UserError(`${flag} ${text}: not a duration (use e.g. 500ms, 10s, 1m30s)`, exitCode);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
}
