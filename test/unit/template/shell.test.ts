// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are HCL and shell text, not JS templates
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTemplate } from '../../../src/template/load.js';
import type { ShellCommand, Template } from '../../../src/template/model.js';
import { at, fixtures, range } from './helpers.js';

function summary(c: ShellCommand): [string, string[], string] {
  return [c.name, c.args, at(c.pos)];
}

describe('shell inside a heredoc and inline strings', () => {
  let t: Template;
  beforeAll(async () => {
    t = await loadTemplate(join(fixtures, 'heredoc/heredoc.pkr.hcl'));
  });

  it('finds each command at its template line and column, quoted text and comments excluded', () => {
    expect(t.syntaxErrors).toEqual([]);
    expect(t.shell.map(summary)).toEqual([
      ['apt-get', ['update'], '11:8'],
      ['apt-get', ['install', 'nginx'], '14:9'],
      ['systemctl', ['enable', 'nginx'], '15:34'],
      ['echo', ['"${var.greeting}"'], '16:9'],
      ['touch', ['"${HOME}/x"'], '16:45'],
      ['sh', ['-c', 'wget -qO- https://x.example | sh'], '17:9'],
      ['wget', ['-qO-', 'https://x.example'], '17:16'],
      ['sh', [], '17:46'],
      ['echo', ['quoted'], '20:8'],
      ['apt-get', ['-y', 'upgrade'], '20:27'],
    ]);
    expect(t.shell.every((c) => c.origin.via === 'inline' && c.origin.provisioner.type === 'shell')).toBe(
      true,
    );
  });

  it('ends a command at its last source character, through `$${` and `\\"` escapes', () => {
    const touch = t.shell.find((c) => c.name === 'touch')!;
    expect(range(touch.pos)).toBe('16:45-16:113');
    const upgrade = t.shell.find((c) => c.args.includes('upgrade'))!;
    expect(range(upgrade.pos)).toBe('20:27-20:56');
    expect(upgrade.text).toBe('sudo -E   apt-get   -y upgrade');
    const echo = t.shell.find((c) => c.args[0] === 'quoted')!;
    expect(range(echo.pos)).toBe('20:8-20:22');
  });

  it('unwraps sudo/env/nohup and keeps the full text as written', () => {
    const touch = t.shell.find((c) => c.name === 'touch')!;
    expect(touch.text).toBe('HOME_DIR="${HOME}" nohup env A=1 sudo -u www-data touch "${HOME}/x"');
  });

  it('marks what a probe guards (`[ -x … ] &&`) as guarded; plain lines and `cmd && next` not', () => {
    const guarded = Object.fromEntries(t.shell.map((c) => [`${c.name}@${at(c.pos)}`, c.guarded]));
    expect(guarded).toMatchObject({
      'apt-get@14:9': false,
      'systemctl@15:34': true,
      'apt-get@20:27': false,
      'echo@20:8': false,
    });
  });

  it('reads commands inside `sh -c` with their pipeline', () => {
    const wget = t.shell.find((c) => c.name === 'wget')!;
    expect(wget.pipeline).toEqual([
      { name: 'wget', args: ['-qO-', 'https://x.example'] },
      { name: 'sh', args: [] },
    ]);
    expect(wget.pipelineIndex).toBe(0);
    expect(t.shell.filter((c) => c.name === 'sh').map((c) => c.pipelineIndex)).toEqual([0, 1]);
  });

  it('collects `#` comments inside the heredoc at their template position, for suppressions', () => {
    expect(t.comments.map((c) => [c.text, at(c.pos)])).toEqual([
      ['# imagegate:ignore apt-noninteractive -- the base image sets a frontend', '13:9'],
    ]);
  });
});

describe('shell from script files, execute_command and environment_vars', () => {
  const dir = join(fixtures, 'multi-file');
  const install = join(dir, 'scripts/install.sh');
  const cleanup = join(dir, 'scripts/cleanup.sh');
  const build = join(dir, 'build.pkr.hcl');
  let t: Template;
  beforeAll(async () => {
    t = await loadTemplate(dir);
  });

  it('points commands of a script at the script file line', () => {
    const fromInstall = t.shell.filter((c) => c.pos.file === install);
    expect(fromInstall.map(summary)).toEqual([
      ['set', ['-eu'], '2:1'],
      ['apt-get', ['update'], '4:1'],
      ['apt-get', ['install', '-y', 'nginx=1.22.1-9', 'curl'], '5:1'],
      ['echo', ['apt-get install nano'], '7:1'],
      ['command', ['-v', 'jq'], '8:6'],
      ['apt-get', ['install', '-y', 'jq'], '9:3'],
      ['curl', ['-fsSL', 'https://get.example.com/agent.sh'], '11:1'],
      ['bash', ['-s', '--', '--quiet'], '11:47'],
      // A here-document's body is data, not commands; a command substitution's content is commands.
      ['cat', [], '12:1'],
      ['dpkg-query', ['-W', '-f', '${Package}\\n'], '15:8'],
      ['wc', ['-l'], '15:42'],
    ]);
    expect(fromInstall.every((c) => c.origin.via === 'scripts')).toBe(true);
    // `${path.root}/scripts/cleanup.sh` is the template's own directory.
    expect(t.shell.filter((c) => c.pos.file === cleanup).map(summary)).toEqual([
      ['rm', ['-rf', '/tmp/*', '/var/tmp/*'], '1:1'],
      ['history', ['-c'], '2:1'],
      ['true', [], '2:15'],
      ['command', ['-v', 'systemctl'], '3:1'],
      ['systemctl', ['disable', 'apt-daily.timer'], '3:36'],
    ]);
  });

  it('sets guarded inside `if` and left of `||`, and the pipeline of `curl | sudo bash`', () => {
    const byLine = (file: string, line: number) =>
      t.shell.filter((c) => c.pos.file === file && c.pos.line === line);
    expect(byLine(install, 9)[0]!.guarded).toBe(true);
    expect(byLine(install, 8)[0]!.guarded).toBe(true);
    expect(byLine(install, 5)[0]!.guarded).toBe(false);
    // The fallback of `||` runs exactly when the first failed: nothing guards it.
    expect(byLine(cleanup, 2).map((c) => [c.name, c.guarded])).toEqual([
      ['history', true],
      ['true', false],
    ]);
    // `command -v x && …`: the probe and what it guards.
    expect(byLine(cleanup, 3).map((c) => [c.name, c.guarded])).toEqual([
      ['command', true],
      ['systemctl', true],
    ]);
    const [curl, bash] = byLine(install, 11);
    expect(curl!.guarded).toBe(false);
    expect(curl!.pipeline.map((p) => p.name)).toEqual(['curl', 'bash']);
    expect([curl!.pipelineIndex, bash!.pipelineIndex]).toEqual([0, 1]);
    expect(bash!.text).toBe('sudo bash -s -- --quiet');
  });

  it('collects script comments at the script position, shebang included', () => {
    expect(t.comments.filter((c) => c.pos.file === install).map((c) => [c.text, at(c.pos)])).toEqual([
      ['#!/bin/sh', '1:1'],
      ['# a comment: apt-get install vim', '6:1'],
    ]);
  });

  it('reads execute_command with Packer placeholders as dynamic words, `{{ .Vars }}` not a command', () => {
    const execute = t.shell.filter((c) => c.origin.via === 'execute_command');
    expect(execute.map(summary)).toEqual([
      ['chmod', ['+x', '{{ .Path }}'], '7:25'],
      ['sh', ["'{{ .Path }}'"], '7:59'],
    ]);
    expect(execute.every((c) => c.pos.file === build)).toBe(true);
  });

  it('lists inline commands per provisioner with the provisioner they come from', () => {
    const inline = t.shell.filter((c) => c.origin.via === 'inline');
    expect(
      inline.map((c) => [c.name, at(c.pos), c.origin.provisioner.only, c.origin.provisioner.name]),
    ).toEqual([
      ['systemctl', '18:16', ['amazon-ebs.web'], undefined],
      ['rm', '25:8', [], 'cleanup'],
      ['truncate', '26:8', [], 'cleanup'],
    ]);
  });

  it('splits environment_vars into name and value, interpolations kept as written', () => {
    expect(t.env.map((e) => [e.name, e.value, at(e.pos), e.provisioner.pos.line])).toEqual([
      ['DEBIAN_FRONTEND', 'noninteractive', '6:25', 5],
      ['APP_ENV', '${var.region}', '6:59', 5],
    ]);
  });

  it('reports a missing script at the attribute value as a missing file, not a syntax error', async () => {
    const t2 = await loadTemplate(join(fixtures, 'malformed/missing-script.pkr.hcl'));
    expect(t2.syntaxErrors).toEqual([]);
    expect(t2.missingFiles).toHaveLength(1);
    expect(range(t2.missingFiles![0]!.pos)).toBe('3:14-3:40');
    expect(t2.missingFiles![0]!.message).toMatch(
      /^script "scripts\/does-not-exist.sh" is missing: it is neither/,
    );
    expect(t2.shell).toEqual([]);
  });
});

describe('shell nested beyond reason', () => {
  it('is a syntax error at the place it gets too deep, not a stack overflow', async () => {
    let script = 'echo hi';
    for (let i = 0; i < 3000; i++) script = `echo $(${script})`;
    const dir = mkdtempSync(join(tmpdir(), 'imagegate-deep-shell-'));
    try {
      const file = join(dir, 'deep.pkr.hcl');
      writeFileSync(file, `build {\n  provisioner "shell" {\n    inline = ["${script}"]\n  }\n}\n`);
      const t = await loadTemplate(file);
      expect(t.syntaxErrors.map((e) => [e.pos.line, e.message])).toEqual([
        [3, 'shell nested deeper than 256 levels: the commands inside are not checked; flatten it'],
      ]);
      // The outer commands were still read.
      expect(t.shell.length).toBeGreaterThan(50);
      expect(t.shell[0]!.name).toBe('echo');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
