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

  it("speaks HTTP itself through the connection's direct-tcpip channel, reaching the target's loopback", () => {
    const server =
      'my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 8089, Listen => 5, ReuseAddr => 1) or die;' +
      'while (my $c = $s->accept) { my $r = ""; while (<$c>) { $r .= $_; last if /^\\r?\\n$/ }' +
      'my ($ua) = $r =~ /User-Agent: (\\S+)/i; print $c "HTTP/1.0 200 OK\\r\\n\\r\\nua $ua\\n"; close $c }';
    spawnSync('docker', ['exec', '-d', sshd.containerId, 'perl', '-MIO::Socket::INET', '-e', server]);
    const http = join(work, 'http.yaml');
    // goss's User-Agent proves imagegate made the request, not a curl in the target.
    writeFileSync(http, 'http:\n  http://localhost:8089/:\n    status: 200\n    body: ["ua goss/v0.4.10"]\n');
    const target = `ssh://${sshd.user}@${sshd.host}:${sshd.port}`;
    let r = { code: -1, stdout: '', stderr: '' };
    for (let i = 0; i < 20 && r.code !== 0; i++) {
      r = validate('-g', http, '--target', target, '--identity', sshd.keyFile, '--known-hosts', knownHosts);
    }
    expect(r.code, r.stdout + r.stderr).toBe(0);
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
