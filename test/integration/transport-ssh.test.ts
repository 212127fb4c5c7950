import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTransport } from '../../src/transports/open.js';
import { SshTransport } from '../../src/transports/ssh.js';
import { requireDocker } from '../helpers/engines.js';
import { type SshdServer, startSshd } from '../helpers/sshd.js';

let server: SshdServer;
let other: SshdServer;
let ssh: SshTransport;
let dir: string;

function knownHosts(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  requireDocker();
  dir = mkdtempSync(join(tmpdir(), 'imagegate-ssh-test-'));
  [server, other] = await Promise.all([startSshd({ password: 'correct horse' }), startSshd()]);
  ssh = await SshTransport.connect(
    { user: server.user, host: server.host, port: server.port },
    { identity: server.keyFile, knownHosts: knownHosts('good', `${server.knownHostsLine}\n`) },
  );
});

afterAll(async () => {
  await ssh?.close();
  server?.stop();
  other?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ssh transport: running scripts', () => {
  it('feeds stdin exactly, keeps stdout and stderr apart and returns the exit code', async () => {
    const r = await ssh.exec('cat; echo; echo to-err >&2; exit 7', { stdin: 'no newline at end' });
    expect(r).toEqual({ stdout: 'no newline at end\n', stderr: 'to-err\n', exitCode: 7 });
    expect(ssh.describe()).toBe(`ssh://tester@127.0.0.1:${server.port}`);
  });

  it('passes binary stdin byte for byte', async () => {
    const bytes = Buffer.from([0, 1, 39, 92, 37, 10, 255, 200]);
    const r = await ssh.exec('od -An -tu1 | tr -s " " | sed "s/^ //"', { stdin: bytes });
    expect(r.stdout.trim()).toBe('0 1 39 92 37 10 255 200');
  });

  it('treats shell metacharacters in the script as script, run once, never re-evaluated', async () => {
    const r = await ssh.exec(`printf '%s\\n' '$(touch /tmp/pwned); rm -rf /'`);
    expect(r.stdout).toBe('$(touch /tmp/pwned); rm -rf /\n');
    expect((await ssh.exec('test -e /tmp/pwned')).exitCode).toBe(1);
  });

  it('returns more than 1 MB of output intact', async () => {
    const r = await ssh.exec(`head -c 3000000 /dev/zero | tr '\\0' x`);
    expect(r.stdout.length).toBe(3_000_000);
    expect(r.stdout).toMatch(/^x+$/);
  });

  it('kills the script and everything it started on timeout', async () => {
    await expect(ssh.exec('sleep 300 & sleep 301; echo never', { timeoutMs: 500 })).rejects.toMatchObject({
      name: 'ExecTimeoutError',
    });
    const left = await ssh.exec(
      'for p in /proc/[0-9]*; do read -r c < "$p/cmdline" 2>/dev/null && echo "$c"; done | grep -c "^sleep30" || true',
    );
    expect(left.stdout.trim()).toBe('0');
  });

  it('records the host key fingerprint exactly as ssh-keygen prints it', () => {
    const keyFile = join(dir, 'host.pub');
    writeFileSync(keyFile, `${server.hostPublicKey}\n`);
    const printed = execFileSync('ssh-keygen', ['-lf', keyFile], { encoding: 'utf8' }).split(' ')[1];
    expect(ssh.hostKey).toMatchObject({
      type: 'ssh-ed25519',
      fingerprint: printed,
      verifiedBy: 'known-hosts',
    });
  });
});

describe('ssh transport: host keys', () => {
  const endpoint = () => ({ user: server.user, host: server.host, port: server.port });

  it('refuses an unknown host key with a one-line message that says what to do', async () => {
    const err = await SshTransport.connect(endpoint(), {
      identity: server.keyFile,
      knownHosts: knownHosts('empty', ''),
    }).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'TargetError', kind: 'host-key' });
    expect((err as Error).message).toMatch(
      /is not in .*empty: verify it and add it .*ssh-keyscan -p \d+ 127\.0\.0\.1/,
    );
    expect((err as Error).message).not.toContain('\n');
  });

  it('refuses a changed host key (another server recorded under the same address)', async () => {
    const stale = other.knownHostsLine.replace(`]:${other.port} `, `]:${server.port} `);
    const err = await SshTransport.connect(endpoint(), {
      identity: server.keyFile,
      knownHosts: knownHosts('stale', `# comment\n${stale}\n`),
    }).catch((e: Error) => e);
    expect(err).toMatchObject({ kind: 'host-key' });
    expect((err as Error).message).toMatch(/HOST KEY CHANGED.*stale:2.*ssh-keygen -R/);
  });

  it('accepts a hashed known_hosts entry written by ssh-keygen -H', async () => {
    const file = knownHosts('hashed', `${server.knownHostsLine}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const t = await SshTransport.connect(endpoint(), { identity: server.keyFile, knownHosts: file });
    expect((await t.exec('echo ok')).stdout).toBe('ok\n');
    await t.close();
  });

  it('connects to an unknown host with insecureIgnoreHostKey and says the key was not verified', async () => {
    const t = await SshTransport.connect(endpoint(), {
      identity: server.keyFile,
      knownHosts: knownHosts('empty2', ''),
      insecureIgnoreHostKey: true,
    });
    expect(t.hostKey.verifiedBy).toBe('not-verified');
    expect(t.hostKey.warning).toMatch(/was not verified \(--insecure-ignore-host-key\)/);
    await t.close();
  });

  it('with insecureIgnoreHostKey, warns loudly when known_hosts holds a different key', async () => {
    const stale = other.knownHostsLine.replace(`]:${other.port} `, `]:${server.port} `);
    const warnings: string[] = [];
    const t = await SshTransport.connect(endpoint(), {
      identity: server.keyFile,
      knownHosts: knownHosts('stale2', `${stale}\n`),
      insecureIgnoreHostKey: true,
      onWarning: (m) => warnings.push(m),
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^WARNING: HOST KEY CHANGED .*stale2:1; connecting anyway/);
    expect(t.hostKey.warning).toBe(warnings[0]);
    await t.close();
  });

  it('accepts a fingerprint reported by the instance and refuses any other', async () => {
    const t = await SshTransport.connect(endpoint(), {
      identity: server.keyFile,
      expectedFingerprints: [ssh.hostKey.fingerprint],
    });
    expect(t.hostKey.verifiedBy).toBe('expected-fingerprint');
    await t.close();
    await expect(
      SshTransport.connect(endpoint(), { identity: server.keyFile, expectedFingerprints: ['SHA256:nope'] }),
    ).rejects.toThrow(/not one the instance reported at boot/);
  });
});

describe('ssh transport: authentication and jump hosts', () => {
  it('logs in with a password taken from a named environment variable', async () => {
    process.env.IMAGEGATE_TEST_SSH_PASSWORD = 'correct horse';
    const saved = process.env.SSH_AUTH_SOCK;
    delete process.env.SSH_AUTH_SOCK;
    try {
      const kh = knownHosts('pw', `${server.knownHostsLine}\n`);
      const t = await openTransport(`ssh://tester@127.0.0.1:${server.port}`, {
        knownHosts: kh,
        passwordEnv: 'IMAGEGATE_TEST_SSH_PASSWORD',
      });
      expect((await t.exec('id -un')).stdout).toBe('tester\n');
      await t.close();
    } finally {
      if (saved !== undefined) process.env.SSH_AUTH_SOCK = saved;
    }
  });

  it('reports a wrong password as an authentication failure', async () => {
    process.env.IMAGEGATE_TEST_SSH_BAD = 'wrong';
    await expect(
      openTransport(`ssh://tester@127.0.0.1:${server.port}`, {
        knownHosts: knownHosts('pw2', `${server.knownHostsLine}\n`),
        passwordEnv: 'IMAGEGATE_TEST_SSH_BAD',
      }),
    ).rejects.toThrow(/authentication failed for tester/);
  });

  it('reaches a host through a jump host with keys from ssh-agent, checking both host keys', async () => {
    // Each server trusts a different key; the agent holds both, as it would for `ssh -J`.
    const sock = join(dir, 'agent.sock');
    const agentOut = execFileSync('ssh-agent', ['-a', sock, '-s'], { encoding: 'utf8' });
    const agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(agentOut)?.[1]);
    const saved = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = sock;
    try {
      execFileSync('ssh-add', [server.keyFile, other.keyFile], { env: { ...process.env }, stdio: 'ignore' });
      // `other` is reached at its bridge address from inside `server`.
      const targetLine = `${other.internalIp} ${other.hostPublicKey.split(' ').slice(0, 2).join(' ')}`;
      const kh = knownHosts('jump', `${server.knownHostsLine}\n${targetLine}\n`);
      const t = await openTransport(`ssh://${other.user}@${other.internalIp}`, {
        knownHosts: kh,
        jump: `${server.user}@127.0.0.1:${server.port}`,
      });
      expect((await t.exec('hostname')).stdout.trim()).toBe(other.containerId.slice(0, 12));
      await t.close();
      // Without the jump host's key on record the hop itself is refused.
      await expect(
        openTransport(`ssh://${other.user}@${other.internalIp}`, {
          knownHosts: knownHosts('jump-partial', `${targetLine}\n`),
          jump: `${server.user}@127.0.0.1:${server.port}`,
        }),
      ).rejects.toThrow(/\[127\.0\.0\.1\]:\d+: host key ssh-ed25519 SHA256:\S+ is not in/);
    } finally {
      process.kill(agentPid);
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
    }
  });
});
