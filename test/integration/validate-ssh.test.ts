import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../helpers/engines.js';
import { type SshdServer, startSshd } from '../helpers/sshd.js';

/** `imagegate validate --target ssh://…` against a real OpenSSH server in a container. */
const bin = new URL('../../bin/imagegate', import.meta.url).pathname;

let sshd: SshdServer;
let work: string;
let suite: string;
let knownHosts: string;

function validate(...args: string[]) {
  const r = spawnSync(bin, ['validate', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  requireDocker();
  sshd = await startSshd();
  work = mkdtempSync(join(tmpdir(), 'imagegate-validate-ssh-'));
  knownHosts = join(work, 'known_hosts');
  writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
  suite = join(work, 'goss.yaml');
  writeFileSync(
    suite,
    [
      'user:',
      `  ${sshd.user}:`,
      '    exists: true',
      `    home: /home/${sshd.user}`,
      'file:',
      `  /home/${sshd.user}/.ssh/authorized_keys:`,
      '    exists: true',
      '    mode: "0600"',
      `    owner: ${sshd.user}`,
      'process:',
      '  sshd:',
      '    running: true',
      'port:',
      '  tcp:22:',
      '    listening: true',
      'package:',
      '  openssh-server:',
      '    installed: true',
      'command:',
      '  whoami:',
      '    exit-status: 0',
      `    stdout: [${sshd.user}]`,
      '',
    ].join('\n'),
  );
});

afterAll(() => {
  sshd?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('validate over SSH', () => {
  it('runs a suite with a key and a verified host key', () => {
    const target = `ssh://${sshd.user}@${sshd.host}:${sshd.port}`;
    const r = validate(
      '-g',
      suite,
      '--target',
      target,
      '--identity',
      sshd.keyFile,
      '--known-hosts',
      knownHosts,
      '-f',
      'json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { summary: Record<string, number> };
    expect(json.summary['test-count']).toBe(10);
    expect(json.summary['failed-count']).toBe(0);
  });

  it('refuses an unknown host key unless told to ignore it', () => {
    const empty = join(work, 'empty_known_hosts');
    writeFileSync(empty, '');
    const target = `ssh://${sshd.user}@${sshd.host}:${sshd.port}`;
    const refused = validate(
      '-g',
      suite,
      '--target',
      target,
      '--identity',
      sshd.keyFile,
      '--known-hosts',
      empty,
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/host key/i);
    const ignored = validate(
      '-g',
      suite,
      '--target',
      target,
      '--identity',
      sshd.keyFile,
      '--known-hosts',
      empty,
      '--insecure-ignore-host-key',
    );
    expect(ignored.code).toBe(0);
    expect(ignored.stderr).toMatch(
      /imagegate: host key \S+ SHA256:\S+ of .* was not verified \(--insecure-ignore-host-key\)/,
    );
  });
});
