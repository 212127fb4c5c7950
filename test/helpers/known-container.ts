import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * A `debian:bookworm` container of known state for validate tests: users, groups, files, a
 * symlink, a SysV-style service script, a listening TCP port (perl, since minbase has no
 * python or nc) and an extra `sleep` process. PID 1 is `sleep`, so there is no init system.
 * Labelled as ephemeral so a crashed run's leftovers can be swept.
 */
const SETUP = String.raw`set -e
printf 'appgrp:x:1600:\nextra:x:1700:app\n' >>/etc/group
printf 'app:x:1500:1600:App User:/home/app:/bin/bash\n' >>/etc/passwd
mkdir -p /home/app /srv/dir
printf 'hello world\nsecond line\n' >/srv/data.txt
chown 1500:1600 /srv/data.txt
chmod 0640 /srv/data.txt
ln -s /srv/data.txt /srv/link
printf '\000\001\377binary\n' >/srv/bin
printf '#!/bin/sh\nexit 0\n' >/etc/init.d/fakesvc
chmod 0755 /etc/init.d/fakesvc
ln -s ../init.d/fakesvc /etc/rc2.d/S01fakesvc
ln -s ../init.d/fakesvc /etc/rc3.d/S01fakesvc
perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalAddr => "0.0.0.0", LocalPort => 8080, Listen => 5, ReuseAddr => 1) or die; while (my $c = $s->accept) { close $c }' &
sleep 100000 &
touch /tmp/ready
exec sleep infinity
`;

export interface KnownContainer {
  name: string;
  /** Run a shell command in the container (test setup and assertions only). */
  exec(cmd: string): string;
  remove(): void;
}

export function startKnownContainer(purpose: string): KnownContainer {
  const name = `imagegate-${purpose}-${randomBytes(4).toString('hex')}`;
  const runId = randomBytes(6).toString('hex');
  execFileSync(
    'docker',
    [
      'run',
      '-d',
      '--name',
      name,
      '--label',
      'imagegate:ephemeral=true',
      '--label',
      `imagegate:run-id=${runId}`,
      '--label',
      `imagegate:created-at=${new Date().toISOString()}`,
      '--label',
      'imagegate:ttl=1h',
      'debian:bookworm',
      'sh',
      '-c',
      SETUP,
    ],
    { stdio: 'pipe' },
  );
  const exec = (cmd: string): string =>
    execFileSync('docker', ['exec', name, 'sh', '-c', cmd], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  for (let i = 0; ; i++) {
    try {
      exec('test -e /tmp/ready');
      break;
    } catch (err) {
      if (i > 100) throw err;
      execFileSync('sleep', ['0.1']);
    }
  }
  return {
    name,
    exec,
    remove: () => {
      execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
    },
  };
}
