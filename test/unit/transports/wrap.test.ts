import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shQuote } from '../../../src/suite/quote.js';
import { printfEscape, wrapScript } from '../../../src/transports/wrap.js';

const sh = (program: string) => execFileSync('sh', ['-s'], { input: program });

describe('wrapScript', () => {
  it('gives the script /dev/null as stdin when there is none', () => {
    expect(wrapScript('echo hi')).toBe('(\necho hi\n) </dev/null\n');
  });

  it('delivers every byte value to the script unchanged through printf escapes', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(sh(wrapScript('cat', all)).equals(all)).toBe(true);
  });

  it('splits long input across printf lines and keeps it whole', () => {
    const big = Buffer.alloc(10_000, 'a');
    const program = wrapScript('wc -c', big);
    expect(program.split('\n').filter((l) => l.startsWith('printf')).length).toBe(3);
    expect(sh(program).toString().trim()).toBe('10000');
  });

  it('keeps a script that ends in a comment from swallowing the closing parenthesis', () => {
    expect(sh(wrapScript('echo ok # trailing comment')).toString()).toBe('ok\n');
  });

  it('escapes quote, backslash and percent so printf prints them literally', () => {
    expect(printfEscape(Buffer.from(`a'b\\c%d\n`))).toBe('a\\047b\\134c\\045d\\012');
  });

  it('single-quotes words for sh', () => {
    expect(execFileSync('sh', ['-c', `printf %s ${shQuote("it's $(x)")}`]).toString()).toBe("it's $(x)");
  });
});
