import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../helpers/engines.js';
import { type KnownContainer, startKnownContainer } from '../helpers/known-container.js';
import { startSshd } from '../helpers/sshd.js';

/**
 * `imagegate validate add/autoadd/render` end to end (built CLI, a real container): the suite
 * written from the container's state passes `validate` against it, and fails once the
 * container changes.
 */
const bin = new URL('../../bin/imagegate', import.meta.url).pathname;

/** The known container's TCP listener is its one perl process (minbase has no pkill). */
const KILL_PERL =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
  'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = perl ] && kill "${p#/proc/}"; done; true';

let box: KnownContainer;
let work: string;

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GOSS_')));
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 120_000, env, cwd: work });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  requireDocker();
  box = startKnownContainer('validate-add');
  work = mkdtempSync(join(tmpdir(), 'imagegate-add-'));
});

afterAll(() => {
  box?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('validate add', () => {
  it('writes what the container has; the suite passes there and fails once it changes', () => {
    const suite = join(work, 'add.yaml');
    const target = ['-g', suite, '-t', `docker://${box.name}`];
    const adds: string[][] = [
      ['file', '/srv/data.txt', '/srv/link', '/srv/none'],
      ['user', 'app', 'ghost'],
      ['group', 'appgrp'],
      ['package', 'perl-base', 'no-such-package'],
      ['port', '8080', 'udp:53'],
      ['service', 'fakesvc'],
      ['process', 'sleep'],
      ['command', 'echo hi; echo oops >&2; exit 3'],
      ['kernel-param', 'kernel.ostype'],
      ['mount', '/'],
      ['interface', 'lo'],
    ];
    for (const a of adds) {
      const r = cli('validate', 'add', ...target, ...a);
      expect(r.stderr, a.join(' ')).toBe('');
      expect(r.code, a.join(' ')).toBe(0);
      expect(r.stdout).toContain(`to '${suite}':`);
    }
    const text = readFileSync(suite, 'utf8');
    // goss's layout: GossConfig's section order, struct field order, yaml.v3's 4-space indent.
    expect(text).toContain(
      [
        'file:',
        '    /srv/data.txt:',
        '        exists: true',
        '        mode: "0640"',
        '        owner: app',
        '        group: appgrp',
        '        filetype: file',
        '        contents: []',
        '    /srv/link:',
        '        exists: true',
        '        mode: "0777"',
        '        owner: root',
        '        group: root',
        '        linked-to: /srv/data.txt',
        '        filetype: symlink',
        '        contents: []',
        '    /srv/none:',
        '        exists: false',
        '        contents: []',
        'package:',
      ].join('\n'),
    );
    expect(text).toContain(
      'port:\n    tcp:8080:\n        listening: true\n        ip:\n            - 0.0.0.0\n',
    );
    expect(text).toContain('    ghost:\n        exists: false\n');
    expect(text).toContain(
      '    echo hi; echo oops >&2; exit 3:\n        exit-status: 3\n        stdout:\n            - hi\n        stderr:\n            - oops\n        timeout: 10000\n',
    );
    expect(text.indexOf('\nuser:')).toBeLessThan(text.indexOf('\ngroup:'));

    const pass = cli('validate', ...target);
    expect(pass.stdout).toMatch(/Failed: 0/);
    expect(pass.code).toBe(0);

    box.exec(`chmod 0600 /srv/data.txt && rm /srv/link && ${KILL_PERL}`);
    const fail = cli('validate', ...target);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toContain('File: /srv/data.txt: mode:');
    expect(fail.stdout).toContain('File: /srv/link: exists:');
    expect(fail.stdout).toContain('Port: tcp:8080: listening:');
  }, 240_000);

  it('keeps title and meta of a resource it replaces, and --exclude-attr leaves attributes out', () => {
    const suite = join(work, 'merge.yaml');
    writeFileSync(
      suite,
      'user:\n  app:\n    title: the app user\n    meta: {owner: team-a}\n    exists: false\n',
    );
    const r = cli(
      'validate',
      'add',
      '-g',
      suite,
      '-t',
      `docker://${box.name}`,
      '--exclude-attr',
      'gr*',
      '--exclude-attr',
      'home',
      'user',
      'app',
    );
    expect(r.code).toBe(0);
    expect(readFileSync(suite, 'utf8')).toBe(
      'user:\n    app:\n        title: the app user\n        meta:\n            owner: team-a\n        exists: true\n        uid: 1500\n        gid: 1600\n        shell: /bin/bash\n',
    );
  }, 120_000);

  it('refuses bad input with one line and exit 2, leaving the file as it was', () => {
    const suite = join(work, 'bad.yaml');
    writeFileSync(suite, 'package:\n  x: {instaled: true}\n');
    const cases: string[][] = [
      ['validate', 'add', '-g', suite, 'pakage', 'x'],
      ['validate', 'add', '-g', join(work, 'suite.txt'), 'user', 'root'],
      ['validate', 'add', '-g', suite, '-t', `docker://${box.name}`, 'user', 'root'],
      ['validate', 'add', '-g', join(work, 'x.yaml'), '-t', `docker://${box.name}`, 'file', 'relative/path'],
      ['validate', 'add', '-g', join(work, 'x.yaml'), '-t', `docker://${box.name}`, 'user', '--', '-rf'],
    ];
    for (const c of cases) {
      const r = cli(...c);
      expect(r.code, c.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), c.join(' ')).toHaveLength(1);
    }
    expect(readFileSync(suite, 'utf8')).toBe('package:\n  x: {instaled: true}\n');
    expect(existsSync(join(work, 'x.yaml'))).toBe(false);
  }, 120_000);
});

describe('validate autoadd', () => {
  it('adds what exists for each name (a process with its listening ports) and writes nothing for none', () => {
    const box2 = startKnownContainer('validate-autoadd');
    try {
      const suite = join(work, 'auto.yaml');
      const target = ['-g', suite, '-t', `docker://${box2.name}`];
      const none = cli('validate', 'autoadd', ...target, 'nosuchthing');
      expect(none.code).toBe(0);
      expect(existsSync(suite)).toBe(false);
      const r = cli('validate', 'autoadd', ...target, 'perl', 'app', 'fakesvc', '/srv/data.txt');
      expect(r.code).toBe(0);
      const text = readFileSync(suite, 'utf8');
      expect(Object.keys(parseSections(text))).toEqual(['file', 'port', 'service', 'user', 'process']);
      expect(text).toContain('    tcp:8080:\n        listening: true\n');
      expect(text).toContain('    fakesvc:\n        enabled: true\n        running: true\n');
      const pass = cli('validate', ...target);
      expect(pass.stdout).toMatch(/Failed: 0/);
      expect(pass.code).toBe(0);
      box2.exec(KILL_PERL);
      expect(cli('validate', ...target).code).toBe(1);
    } finally {
      box2.remove();
    }
  }, 240_000);
});

describe('validate add over SSH', () => {
  it("takes validate's options before the subcommand (goss's `goss -g FILE add`) and writes a suite that passes", async () => {
    const sshd = await startSshd();
    try {
      const suite = join(work, 'ssh.yaml');
      const knownHosts = join(work, 'known_hosts');
      writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
      const target = [
        '-g',
        suite,
        '--target',
        `ssh://${sshd.user}@${sshd.host}:${sshd.port}`,
        '--identity',
        sshd.keyFile,
        '--known-hosts',
        knownHosts,
      ];
      for (const a of [
        ['user', sshd.user],
        ['port', '22'],
        ['process', 'sshd'],
        ['file', '/etc/ssh/sshd_config'],
      ]) {
        const r = cli('validate', ...target, 'add', ...a);
        expect(r.stderr, a.join(' ')).toBe('');
        expect(r.code, a.join(' ')).toBe(0);
      }
      const text = readFileSync(suite, 'utf8');
      expect(text).toContain(`    ${sshd.user}:\n        exists: true\n`);
      expect(text).toContain('    tcp:22:\n        listening: true\n');
      const pass = cli('validate', ...target);
      expect(pass.stdout).toMatch(/Failed: 0/);
      expect(pass.code).toBe(0);
    } finally {
      sshd.stop();
    }
  }, 240_000);
});

describe('validate add --artifact', () => {
  it('boots the image, observes it, tears it down and writes the suite', () => {
    const suite = join(work, 'artifact.yaml');
    const r = cli('validate', 'add', '-g', suite, '--artifact', 'debian:bookworm', 'user', 'root');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('tearing down debian:bookworm');
    expect(readFileSync(suite, 'utf8')).toContain('user:\n    root:\n        exists: true\n        uid: 0\n');
  }, 240_000);
});

describe('validate render', () => {
  it('prints the suite with templates rendered and includes merged, in goss layout', () => {
    writeFileSync(join(work, 'inc.yaml'), 'user:\n  {{.Vars.who}}:\n    exists: true\n');
    writeFileSync(
      join(work, 'top.yaml'),
      'gossfile:\n  inc.yaml: {}\nfile:\n  /etc/passwd:\n    exists: true\n',
    );
    const r = cli('validate', 'render', '-g', join(work, 'top.yaml'), '--vars-inline', '{"who": "root"}');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'file:\n    /etc/passwd:\n        exists: true\n        contents: null\nuser:\n    root:\n        exists: true\n',
    );
  }, 60_000);
});

function parseSections(text: string): Record<string, true> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[a-z-]+:$/.test(l))
      .map((l) => [l.slice(0, -1), true]),
  );
}
