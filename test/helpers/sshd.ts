import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real OpenSSH server in a container, for SSH transport tests. The image is built once from
 * the local `debian:bookworm` (apt works from containers here) and tagged by the hash of its
 * Dockerfile, so later runs reuse it. Each container generates fresh host keys at start, so two
 * servers never share a key: that is what the "changed host key" test relies on.
 */
const DOCKERFILE = `FROM debian:bookworm
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server \\
 && rm -rf /var/lib/apt/lists/* /etc/ssh/ssh_host_* \\
 && mkdir -p /run/sshd
`;

const START = `set -e
ssh-keygen -A >/dev/null
id "$SSH_USER" >/dev/null 2>&1 || useradd -m -s /bin/sh "$SSH_USER"
usermod -p '*' "$SSH_USER"
home=$(getent passwd "$SSH_USER" | cut -d: -f6)
mkdir -p "$home/.ssh"
printf '%s\\n' "$AUTHORIZED_KEY" > "$home/.ssh/authorized_keys"
chown -R "$SSH_USER" "$home/.ssh"; chmod 700 "$home/.ssh"; chmod 600 "$home/.ssh/authorized_keys"
if [ -n "$SSH_PASSWORD" ]; then printf '%s:%s\\n' "$SSH_USER" "$SSH_PASSWORD" | chpasswd; fi
exec /usr/sbin/sshd -D -e -o PasswordAuthentication=yes
`;

export const SSHD_LABEL = 'imagegate-test=sshd';

export interface SshdServer {
  containerId: string;
  host: string;
  port: number;
  user: string;
  /** Client private key file (ED25519, no passphrase) authorised for `user`. */
  keyFile: string;
  privateKey: string;
  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA…`: the server's ED25519 host key as known_hosts wants it. */
  knownHostsLine: string;
  /** The server's ED25519 host public key line (`ssh-ed25519 AAAA… root@…`). */
  hostPublicKey: string;
  /** Address on the Docker network, for reaching it through a jump host. */
  internalIp: string;
  stop(): void;
}

export function sshdImage(): string {
  const tag = `imagegate-test/sshd:${createHash('sha256').update(DOCKERFILE).digest('hex').slice(0, 12)}`;
  try {
    execFileSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' });
  } catch {
    execFileSync('docker', ['build', '-q', '-t', tag, '-'], {
      input: DOCKERFILE,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
  }
  return tag;
}

export async function startSshd(
  opts: { user?: string; password?: string; network?: string; image?: string; labels?: string[] } = {},
): Promise<SshdServer> {
  // Another image built FROM sshdImage() serves too: drift tests start hosts from a promoted one.
  const image = opts.image ?? sshdImage();
  const user = opts.user ?? 'tester';
  const dir = mkdtempSync(join(tmpdir(), 'imagegate-sshd-'));
  const keyFile = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'imagegate-test', '-f', keyFile]);
  const args = ['run', '-d', '--label', SSHD_LABEL, '-p', '127.0.0.1::22'];
  for (const l of opts.labels ?? []) args.push('--label', l);
  if (opts.network) args.push('--network', opts.network);
  args.push(
    '-e',
    `SSH_USER=${user}`,
    '-e',
    `AUTHORIZED_KEY=${readFileSync(`${keyFile}.pub`, 'utf8').trim()}`,
  );
  if (opts.password) args.push('-e', `SSH_PASSWORD=${opts.password}`);
  args.push(image, 'sh', '-c', START);
  const containerId = execFileSync('docker', args, { encoding: 'utf8' }).trim();
  const stop = () => {
    execFileSync('docker', ['rm', '-f', containerId], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const mapping =
      execFileSync('docker', ['port', containerId, '22/tcp'], { encoding: 'utf8' }).split('\n')[0] ?? '';
    const port = Number(mapping.slice(mapping.lastIndexOf(':') + 1));
    await waitForBanner('127.0.0.1', port);
    const hostPublicKey = execFileSync(
      'docker',
      ['exec', containerId, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub'],
      {
        encoding: 'utf8',
      },
    ).trim();
    const [type, blob] = hostPublicKey.split(' ');
    const internalIp = execFileSync(
      'docker',
      ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', containerId],
      { encoding: 'utf8' },
    )
      .trim()
      .split(' ')[0]!;
    return {
      containerId,
      host: '127.0.0.1',
      port,
      user,
      keyFile,
      privateKey: readFileSync(keyFile, 'utf8'),
      knownHostsLine: `[127.0.0.1]:${port} ${type} ${blob}`,
      hostPublicKey,
      internalIp,
      stop,
    };
  } catch (err) {
    stop();
    throw err;
  }
}

/** Add a public key to the login user's authorized_keys, as cloud-init does with an EC2 launch key. */
export function authorizeKey(server: SshdServer, publicKey: string): void {
  execFileSync(
    'docker',
    ['exec', '-i', '-u', server.user, server.containerId, 'sh', '-c', 'cat >> "$HOME/.ssh/authorized_keys"'],
    { input: `${publicKey.trim()}\n` },
  );
}

/** sshd is ready when it sends its identification string. */
async function waitForBanner(host: string, port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, host);
      sock.setTimeout(1000, () => {
        sock.destroy();
        resolve(false);
      });
      sock.once('data', (d) => {
        sock.destroy();
        resolve(d.toString().startsWith('SSH-2.0'));
      });
      // docker-proxy accepts and closes until sshd listens: a close without data is "not yet".
      sock.once('close', () => resolve(false));
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`sshd on ${host}:${port} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
