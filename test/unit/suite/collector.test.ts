import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildCollector, DONE_ID, newMarker } from '../../../src/suite/collector.js';
import { shQuote, shSeconds } from '../../../src/suite/quote.js';
import { collectItem } from '../../helpers/collect-item.js';

const item = collectItem;

/** The script parses as POSIX sh (dash on Debian), without running it. */
function syntaxOk(script: string): void {
  execFileSync('sh', ['-n'], { input: script });
}

describe('shQuote', () => {
  it('keeps every byte literal inside single quotes', () => {
    expect(shQuote('plain')).toBe("'plain'");
    expect(shQuote("it's")).toBe("'it'\\''s'");
    expect(shQuote('$(x) `y` ; & | > \n')).toBe("'$(x) `y` ; & | > \n'");
    // Round trip through a real shell: what comes out is exactly what went in.
    for (const v of ["a'b", '$(touch /tmp/p)', 'x; rm -rf /', 'tab\tnew\nline', "''", '\\']) {
      expect(execFileSync('sh', ['-c', `printf %s ${shQuote(v)}`], { encoding: 'utf8' })).toBe(v);
    }
  });

  it('refuses NUL, which no argv can carry', () => {
    expect(() => shQuote('a\0b')).toThrow(/NUL/);
  });

  it('turns goss millisecond timeouts into sleep seconds', () => {
    expect(shSeconds(10_000)).toBe('10');
    expect(shSeconds(500)).toBe('0.5');
    expect(shSeconds(1250)).toBe('1.25');
    expect(shSeconds(0)).toBe('0.001');
  });
});

describe('buildCollector', () => {
  it('quotes every key and argument, so a hostile name is one word', () => {
    const hostile = "/tmp/x; touch /tmp/pwned '$(id)'";
    const { script } = buildCollector([
      item('r0', 'file', hostile, { exists: true, contents: [] }),
      item('r1', 'user', 'u;id', { exists: true, groups: ['x'] }),
      item('r2', 'command', 'echo "$HOME"; exit 1', { 'exit-status': 0 }),
    ]);
    syntaxOk(script);
    expect(script).toContain(`_igp=${shQuote(hostile)}`);
    expect(script).toContain(`getent passwd -- 'u;id'`);
    expect(script).toContain(`id -Gn -- 'u;id'`);
    expect(script).toContain(`sh -c ${shQuote('echo "$HOME"; exit 1')}`);
    expect(script).not.toContain("touch /tmp/pwned '$(id)'\n");
  });

  it('emits a shared probe once however many resources need it', () => {
    const { script } = buildCollector([
      item('r0', 'package', 'a', { installed: true }),
      item('r1', 'package', 'b', { installed: true }),
      item('r2', 'port', 'tcp:22', { listening: true }),
      item('r3', 'port', 'tcp:80', { listening: true }),
      item('r4', 'process', 'sshd', { running: true }),
      item('r5', 'process', 'nginx', { running: true }),
    ]);
    syntaxOk(script);
    expect(script.match(/dpkg-query -W/g)).toHaveLength(1);
    expect(script.match(/\/proc\/net\/tcp6/g)).toHaveLength(1);
    expect(script.match(/\/proc\/\[0-9\]\*\/comm/g)).toHaveLength(1);
  });

  it('spreads commands over at most maxConcurrent lanes and budgets the slowest lane', () => {
    const cmds = Array.from({ length: 5 }, (_, i) =>
      item(`r${i}`, 'command', `sleep ${i}`, { timeout: 1000 }),
    );
    const two = buildCollector(cmds, { maxConcurrent: 2 });
    syntaxOk(two.script);
    expect(two.script.match(/ >"\$T\/lane\d+" 2>\/dev\/null &/g)).toHaveLength(2);
    // Lane 0 holds three 1 s commands.
    expect(two.timeoutMs).toBe(3000 + 60_000);
    const serial = buildCollector(cmds, { maxConcurrent: 1 });
    expect(serial.script.match(/ >"\$T\/lane\d+" 2>\/dev\/null &/g)).toHaveLength(1);
    expect(serial.timeoutMs).toBe(5000 + 60_000);
    const wide = buildCollector(cmds);
    expect(wide.script.match(/ >"\$T\/lane\d+" 2>\/dev\/null &/g)).toHaveLength(5);
  });

  it('uses goss default timeouts when none is given', () => {
    const { script, timeoutMs } = buildCollector([item('r0', 'command', 'true', { 'exit-status': 0 })]);
    expect(script).toContain("_igto r0 10 sh -c 'true'");
    expect(timeoutMs).toBe(10_000 + 60_000);
  });

  it('leaves out skipped resources and matching, which need no collection', () => {
    const { script } = buildCollector([
      item('r0', 'file', '/skipped-path', { exists: true }, true),
      item('r1', 'matching', 'm', { content: 1, matches: 1 }),
    ]);
    syntaxOk(script);
    expect(script).not.toContain('/skipped-path');
    expect(script).toContain(`_igr ${DONE_ID} done 1`);
  });

  it('draws a fresh random marker per run and rejects unsafe markers and ids', () => {
    const a = buildCollector([]).marker;
    const b = buildCollector([]).marker;
    expect(a).not.toBe(b);
    expect(a).toMatch(/^@ig-[0-9a-f]{32}$/);
    expect(newMarker()).toHaveLength(36);
    expect(() => buildCollector([], { marker: 'two words' })).toThrow(/marker/);
    expect(() => buildCollector([item('r 0', 'file', '/x', { exists: true })])).toThrow(/frame id/);
  });

  it('passes http options to curl as quoted arguments', () => {
    const { script } = buildCollector([
      item('r0', 'http', 'https://example.test/a?b=1&c=2', {
        status: 200,
        'allow-insecure': true,
        'no-follow-redirects': true,
        method: 'POST',
        'request-headers': ["X-Token: a'b"],
        'request-body': '{"x": 1}',
        username: 'u',
        password: 'p w',
        timeout: 2000,
      }),
    ]);
    syntaxOk(script);
    expect(script).toContain(`printf '%s' '{"x": 1}' >"$T/r0.req"`);
    expect(script).toContain("-X 'POST' -H 'X-Token: a'\\''b' --data-binary @\"$T/r0.req\" -u 'u:p w'");
    expect(script).toContain("-- 'https://example.test/a?b=1&c=2'");
    expect(script).toContain('--max-time 2 -k ');
    expect(script).not.toMatch(/ -L /);
  });
});
