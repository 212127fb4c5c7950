import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderGoss } from '../../src/report/goss/index.js';
import { loadSuite } from '../../src/suite/load.js';
import { runSuites } from '../../src/suite/run.js';
import type { ExecOptions, Transport } from '../../src/suite/transport.js';
import { openTransport } from '../../src/transports/open.js';
import { requireDocker } from '../helpers/engines.js';
import { type KnownContainer, startKnownContainer } from '../helpers/known-container.js';

/**
 * `imagegate validate` end to end (built CLI, real containers): exit codes, formats, retries
 * that re-collect only what failed, and the built-in suites on a dirty and a clean image.
 */
const bin = new URL('../../bin/imagegate', import.meta.url).pathname;
const fixtures = new URL('../fixtures/validate/', import.meta.url).pathname;

let box: KnownContainer;
let work: string;

function validate(...args: string[]): { code: number; stdout: string; stderr: string } {
  return validateWith({}, ...args);
}

/** validate with extra environment and optional standard input; GOSS_* from the host left out. */
function validateWith(
  with_: { env?: Record<string, string>; input?: string },
  ...args: string[]
): { code: number; stdout: string; stderr: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GOSS_')));
  const r = spawnSync(bin, ['validate', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...env, ...with_.env },
    input: with_.input ?? '',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  requireDocker();
  box = startKnownContainer('validate-cli');
  work = mkdtempSync(join(tmpdir(), 'imagegate-validate-'));
});

afterAll(() => {
  box?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('exit codes and formats', () => {
  it('passes a templated suite with 0 and reports goss JSON', () => {
    const r = validate(
      '-g',
      join(fixtures, 'known.yaml'),
      '--vars-inline',
      '{"greeting": "hi"}',
      '--target',
      `docker://${box.name}`,
      '-f',
      'json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      summary: Record<string, number>;
      results: { 'summary-line': string }[];
    };
    expect(json.summary['failed-count']).toBe(0);
    expect(json.summary['test-count']).toBe(json.results.length);
    expect(json.results.map((x) => x['summary-line'])).toContain(
      'Command: echo hi: stdout: matches expectation: ["hi"]',
    );
  });

  it('fails with 1, and with 2 in nagios format', () => {
    const fail = validate('-g', join(fixtures, 'failing.yaml'), '--target', `docker://${box.name}`);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toContain('File: /srv/data.txt: mode:');
    expect(fail.stdout).toContain('User: ghost: uid: skipped');
    const nagios = validate(
      '-g',
      join(fixtures, 'failing.yaml'),
      '--target',
      `docker://${box.name}`,
      '-f',
      'nagios',
    );
    expect(nagios.code).toBe(2);
    expect(nagios.stdout).toMatch(/^GOSS CRITICAL/);
  });

  it('exits 78 for a broken suite, a bad flag or a target that does not exist', () => {
    const broken = join(work, 'broken.yaml');
    writeFileSync(broken, 'file:\n  /etc/passwd:\n    exists: [unclosed\n');
    const bad = validate('-g', broken, '--target', `docker://${box.name}`);
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('broken.yaml');
    expect(bad.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(validate('-g', join(fixtures, 'failing.yaml'), '--retry-timeout', 'soon').code).toBe(78);
    const badOption = validate('-g', join(fixtures, 'failing.yaml'), '-o', 'bogus');
    expect(badOption.code).toBe(78);
    expect(badOption.stderr).toMatch(/--format-options bogus: expected one of sort, pretty/);
    // An unknown flag is bad input (78), never 2, which means nagios CRITICAL.
    const unknownFlag = validate('-g', join(fixtures, 'failing.yaml'), '--no-such-flag');
    expect(unknownFlag.code).toBe(78);
    expect(unknownFlag.stderr).toMatch(/unknown option '--no-such-flag'/);
    // A suite whose only key is misspelt checks nothing: refused with file:line, not passed.
    const typo = join(work, 'typo.yaml');
    writeFileSync(typo, 'port:\n  tcp:22:\n    listen: true\n');
    const refused = validate('-g', typo, '--target', `docker://${box.name}`);
    expect(refused.code).toBe(78);
    expect(refused.stderr).toMatch(
      /typo\.yaml:3:5: invalid gossfile: port\.tcp:22\.listen: unknown attribute for port \(did you mean "listening"\?\)/,
    );
    const gone = validate(
      '-g',
      join(fixtures, 'failing.yaml'),
      '--target',
      'docker://imagegate-no-such-container',
    );
    expect(gone.code).toBe(78);
    expect(gone.stderr).toMatch(/no such container/);
  });
});

describe("goss's flags and environment", () => {
  const passing = 'matching:\n  m:\n    content: 5\n    matches: {lt: 9}\n';
  const failing = 'matching:\n  m:\n    content: 5\n    matches: {gt: 9}\n';

  it('-g - reads the suite from standard input', () => {
    const ok = validateWith({ input: passing }, '-g', '-', '-f', 'tap');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('1..1\nok 1 - Matching: m: matches: matches expectation: {"lt":9}\n');
    const broken = validateWith({ input: 'matching: [' }, '-g', '-');
    expect(broken.code).toBe(78);
    expect(broken.stderr).toMatch(/^imagegate: stdin:/);
    expect(validateWith({ input: passing }, '-g', '-', '-g', '-').code).toBe(78);
  });

  it('GOSS_FMT, GOSS_FMT_OPTIONS, GOSS_VARS_INLINE and GOSS_FILE stand in for their flags, flags winning', () => {
    const file = join(work, 'env.yaml');
    writeFileSync(file, 'matching:\n  m:\n    content: {{ .Vars.n }}\n    matches: {lt: 9}\n');
    const env = {
      GOSS_FILE: file,
      GOSS_FMT: 'json',
      GOSS_FMT_OPTIONS: 'pretty,sort',
      GOSS_VARS_INLINE: '{"n": 5}',
    };
    const viaEnv = validateWith({ env });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect(viaEnv.stdout).toContain('\n    "results": [');
    const flagWins = validateWith({ env }, '-f', 'tap', '--vars-inline', '{"n": 50}');
    expect(flagWins.code).toBe(1);
    expect(flagWins.stdout.startsWith('1..1\nnot ok 1')).toBe(true);
    expect(validateWith({ env: { ...env, GOSS_FMT: 'nope' } }).code).toBe(78);
  });

  it('--color and GOSS_COLOR force colour on a pipe; --no-color and GOSS_NOCOLOR win', () => {
    const esc = '\u001b[';
    expect(validateWith({ input: failing }, '-g', '-', '--color').stdout).toContain(`${esc}31m`);
    expect(validateWith({ input: failing, env: { GOSS_COLOR: 'true' } }, '-g', '-').stdout).toContain(esc);
    expect(
      validateWith({ input: failing, env: { GOSS_COLOR: '1' } }, '-g', '-', '--no-color').stdout,
    ).not.toContain(esc);
    expect(
      validateWith({ input: failing, env: { GOSS_COLOR: 'true', GOSS_NOCOLOR: 'true' } }, '-g', '-').stdout,
    ).not.toContain(esc);
    expect(validateWith({ input: failing }, '-g', '-').stdout).not.toContain(esc);
  });

  it('-L/--log-level and --package are checked like goss; DEBUG says how it collected', () => {
    const debug = validateWith({ input: passing }, '-g', '-', '-L', 'debug');
    expect(debug.code).toBe(0);
    expect(debug.stderr).toMatch(/\[DEBUG\] collected in 0 round trip\(s\) from local/);
    const quiet = validateWith({ input: passing }, '-g', '-', '--log-level', 'ERROR');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(validateWith({ input: passing }, '-g', '-', '-L', 'LOUD').code).toBe(78);
    expect(validateWith({ input: passing, env: { GOSS_LOGLEVEL: 'LOUD' } }, '-g', '-').code).toBe(78);
    expect(validateWith({ input: passing }, '-g', '-', '--package', 'deb').code).toBe(0);
    const bad = validateWith({ input: passing }, '-g', '-', '--package', 'msi');
    expect(bad.code).toBe(78);
    expect(bad.stderr).toMatch(/--package msi: expected one of apk, deb, pacman, rpm/);
  });

  it('--package asks only that package manager on the target', () => {
    const suite = 'package:\n  coreutils:\n    installed: true\n';
    const deb = validateWith(
      { input: suite },
      '-g',
      '-',
      '--target',
      `docker://${box.name}`,
      '--package',
      'deb',
    );
    expect(deb.code, deb.stdout).toBe(0);
    const rpm = validateWith(
      { input: suite },
      '-g',
      '-',
      '--target',
      `docker://${box.name}`,
      '--package',
      'rpm',
    );
    expect(rpm.code).toBe(1);
    expect(rpm.stdout).toContain('not the one --package names');
  });
});

describe('retries', () => {
  it('re-collects only the failing resources until they pass', async () => {
    const suite = join(work, 'retry.yaml');
    writeFileSync(suite, 'file:\n  /srv/data.txt:\n    exists: true\n  /srv/later:\n    exists: true\n');
    box.exec('rm -f /srv/later');
    const real = await openTransport(`docker://${box.name}`);
    const scripts: string[] = [];
    const counting: Transport = {
      exec: (s: string, o?: ExecOptions) => {
        scripts.push(s);
        // The file appears after the first collection.
        if (scripts.length === 2) box.exec('touch /srv/later');
        return real.exec(s, o);
      },
      close: () => real.close(),
      describe: () => real.describe(),
    };
    try {
      const out = await runSuites([await loadSuite(suite)], counting, {
        retryTimeoutMs: 10_000,
        sleepMs: 200,
      });
      expect(out.timedOut).toBe(false);
      expect(out.run.summary['failed-count']).toBe(0);
      expect(out.execs).toBe(scripts.length);
      expect(scripts.length).toBeGreaterThanOrEqual(2);
      expect(scripts[0]).toContain("'/srv/data.txt'");
      for (const later of scripts.slice(1)) {
        expect(later).toContain("'/srv/later'");
        expect(later).not.toContain("'/srv/data.txt'");
      }
    } finally {
      await real.close();
    }
  });

  it('exits 3 when the retry timeout runs out', () => {
    const r = validate(
      '-g',
      join(fixtures, 'failing.yaml'),
      '--target',
      `docker://${box.name}`,
      '-r',
      '1s',
      '-s',
      '300ms',
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/retrying 2 failing resource/);
  });
});

describe('built-in suites', () => {
  let dirty: string;
  let clean: string;
  const transports: Transport[] = [];
  const SECRET = 'hunter2-do-not-print';

  /** Run one built-in suite (through the loader, as `-g builtin:NAME` does) and render goss JSON. */
  async function builtin(name: string, container: string, varsInline?: string) {
    const transport = await openTransport(`docker://${container}`);
    transports.push(transport);
    const { run } = await runSuites([await loadSuite(`builtin:${name}`, { varsInline })], transport);
    const failed = new Set(run.results.filter((r) => !r.successful).map((r) => r['resource-id']));
    return { run, failed, json: renderGoss('json', run).text };
  }

  beforeAll(() => {
    const labels = ['--label', 'imagegate:ephemeral=true', '--label', 'imagegate:ttl=1h'];
    const run = (name: string, env: string[]) =>
      spawnSync(
        'docker',
        ['run', '-d', '--name', name, ...labels, ...env, 'debian:bookworm', 'sleep', '600'],
        {
          stdio: 'ignore',
        },
      );
    dirty = `imagegate-builtin-dirty-${process.pid}`;
    clean = `imagegate-builtin-clean-${process.pid}`;
    run(dirty, ['-e', `API_TOKEN=${SECRET}`, '-e', 'HARMLESS=1']);
    run(clean, []);
    const setup = [
      'mkdir -p /root/.ssh /root/.aws /srv/app /etc/ssh /usr/local/bin',
      'echo "ssh-ed25519 AAAA build@ci" >/root/.ssh/authorized_keys',
      'echo 0123456789abcdef0123456789abcdef >/etc/machine-id',
      'echo "ls" >/root/.bash_history',
      'touch /tmp/junk /tmp/script_1234.sh',
      `printf '[default]\\naws_secret_access_key = ${SECRET}\\n' >/root/.aws/credentials`,
      `printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\\n${SECRET}\\n' >/root/deploy_key`,
      `printf 'DB_PASSWORD=${SECRET}\\n' >/srv/app/.env`,
      'touch /etc/ssh/ssh_host_ed25519_key',
      'touch /usr/local/bin/tool && chmod 0777 /usr/local/bin/tool',
      // A stand-in sshd whose effective config allows root and password logins.
      "printf '#!/bin/sh\\necho permitrootlogin yes\\necho passwordauthentication yes\\necho permitemptypasswords no\\n' >/usr/local/bin/sshd",
      'chmod 0755 /usr/local/bin/sshd',
    ].join(' && ');
    spawnSync('docker', ['exec', dirty, 'sh', '-c', setup], { stdio: 'ignore' });
  });

  afterAll(async () => {
    for (const t of transports) await t.close();
    spawnSync('docker', ['rm', '-f', dirty, clean], { stdio: 'ignore' });
  });

  it('finds every leftover in a dirty image and names where, never the secret', async () => {
    const cleanup = await builtin('cleanup', dirty);
    expect(cleanup.failed).toEqual(
      new Set([
        'imagegate-cleanup-authorized-keys',
        'imagegate-cleanup-machine-id',
        'imagegate-cleanup-shell-history',
        'imagegate-cleanup-tmp',
        'imagegate-cleanup-build-leftovers',
        'imagegate-cleanup-ssh-host-keys',
      ]),
    );
    expect(cleanup.json).toContain('/root/.ssh/authorized_keys');
    expect(cleanup.json).toContain('/tmp/script_1234.sh');

    const secrets = await builtin('no-secrets', dirty);
    expect(secrets.failed).toEqual(
      new Set([
        'imagegate-no-aws-credentials',
        'imagegate-no-private-keys',
        'imagegate-no-env-files-with-credentials',
        'imagegate-no-secrets-in-pid1-environment',
      ]),
    );
    for (const where of ['API_TOKEN', '/root/.aws/credentials', '/root/deploy_key', '/srv/app/.env']) {
      expect(secrets.json).toContain(where);
    }
    expect(secrets.json).not.toContain(SECRET);
    expect(secrets.json).not.toContain('HARMLESS');

    const baseline = await builtin('baseline', dirty);
    expect(baseline.failed).toEqual(
      new Set(['imagegate-baseline-sshd', 'imagegate-baseline-world-writable']),
    );
    expect(baseline.json).toContain('permitrootlogin is yes, want no');
    expect(baseline.json).toContain('/usr/local/bin/tool');
  });

  it('passes a clean image, and honours vars for the optional parts', async () => {
    for (const name of ['cleanup', 'no-secrets', 'baseline']) {
      const r = await builtin(name, clean);
      expect(r.failed, `${name}: ${r.json}`).toEqual(new Set());
    }
    const declared = await builtin('baseline', clean, '{"timeSync": "chrony", "logAgent": "dpkg"}');
    expect(declared.failed).toEqual(new Set(['chrony']));
    expect(declared.run.results.find((r) => r['resource-id'] === 'dpkg')?.successful).toBe(true);
    const keep = await builtin('cleanup', dirty, '{"keepSshHostKeys": true}');
    expect(keep.failed.has('imagegate-cleanup-ssh-host-keys')).toBe(false);
    expect(keep.failed.has('imagegate-cleanup-authorized-keys')).toBe(true);
    // A secret the platform injects at boot is declared by name; any other still fails.
    const booted = await builtin('no-secrets', dirty, '{"bootEnv": ["API_TOKEN"]}');
    expect(booted.failed.has('imagegate-no-secrets-in-pid1-environment')).toBe(false);
    expect(booted.failed.has('imagegate-no-private-keys')).toBe(true);
    const other = await builtin('no-secrets', dirty, '{"bootEnv": ["OTHER_TOKEN"]}');
    expect(other.failed.has('imagegate-no-secrets-in-pid1-environment')).toBe(true);
  });

  it('a var reaches the shell of a built-in suite as one literal word, never code or an option', async () => {
    const hostile = JSON.stringify({
      writableAllowed: ['$(touch /tmp/pwned-a)', "'; touch /tmp/pwned-b; '"],
      secretSearchPaths: ['/srv/$(touch /tmp/pwned-c)'],
      bootEnv: ['-v', '`touch /tmp/pwned-d`'],
    });
    for (const name of ['baseline', 'no-secrets']) await builtin(name, clean, hostile);
    const t = await openTransport(`docker://${clean}`);
    transports.push(t);
    expect((await t.exec('ls /tmp | grep -c pwned || true')).stdout.trim()).toBe('0');
    // `-v` as a bootEnv name is a name to drop, not grep's invert flag: the check still passes.
    expect((await builtin('no-secrets', clean, hostile)).failed).toEqual(new Set());
    await expect(
      loadSuite('builtin:no-secrets', { varsInline: '{"secretSearchPaths": ["-delete"]}' }),
    ).rejects.toThrow(/secretSearchPaths: "-delete" is not an absolute path/);
  });
});

describe('interrupted', () => {
  it('Ctrl-C stops the collector and the commands it started inside the container, exit 130', async () => {
    const suite = join(work, 'slow.yaml');
    const PROCS = `for p in /proc/[0-9]*; do tr '\\0' ' ' < "$p/cmdline" 2>/dev/null; echo; done | grep -c '^sleep 4242 ' || true`;
    // A marker argument that no other process in the container has.
    writeFileSync(
      suite,
      'command:\n  slow:\n    exec: sleep 4242\n    exit-status: 0\n    timeout: 120000\n',
    );
    const inContainer = () =>
      // minbase has no ps: read /proc.
      spawnSync('docker', ['exec', box.name, 'sh', '-c', PROCS], {
        encoding: 'utf8',
      }).stdout.trim();
    const child = spawn(bin, ['validate', '-g', suite, '--target', `docker://${box.name}`], {
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (inContainer() !== '1') {
      if (Date.now() > deadline) throw new Error('the slow command never started in the container');
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(inContainer()).toBe('0');
  });
});
