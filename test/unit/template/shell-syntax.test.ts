// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell text, not JS templates
import { describe, expect, it } from 'vitest';
import { fileText } from '../../../src/template/mapped-text.js';
import { LineIndex } from '../../../src/template/position.js';
import { type FoundCommand, type ShellScan, scanShell } from '../../../src/template/shell-commands.js';
import { MAX_NESTING } from '../../../src/template/shell-syntax.js';

function scan(src: string): ShellScan {
  return scanShell(fileText('t.sh', new LineIndex(src), src));
}

/** name, args, and where: `line:column`. */
function cmds(src: string): [string, string[], string][] {
  return scan(src).commands.map((c) => [c.name, c.args, `${c.pos.line}:${c.pos.column}`]);
}

function find(src: string, name: string): FoundCommand {
  const found = scan(src).commands.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no ${name} in ${src}`);
  return found;
}

describe('words', () => {
  it('removes quotes and escapes from static words, keeps dynamic ones as written', () => {
    expect(cmds(`echo 'a b' "c d" e\\ f x"y"'z' "a\\"b" 'it''s'`)).toEqual([
      ['echo', ['a b', 'c d', 'e f', 'xyz', 'a"b', 'its'], '1:1'],
    ]);
    expect(cmds('echo "$HOME" ${X:-y} $1 "$(date)" $((1 + 2)) {1..3} $\'\\n\'')).toEqual([
      ['echo', ['"$HOME"', '${X:-y}', '$1', '"$(date)"', '$((1 + 2))', '{1..3}', "$'\\n'"], '1:1'],
      ['date', [], '1:28'],
    ]);
  });

  it('finds commands in $(…), backquotes, ${…} and <(…), nested', () => {
    expect(
      cmds('echo $(dirname $(readlink -f `which node`)) ${X:-$(id -u)} <(ls /)').map((c) => c[0]),
    ).toEqual(['echo', 'dirname', 'readlink', 'which', 'id', 'ls']);
    expect(cmds('echo kernel-`uname -r`-x')).toEqual([
      ['echo', ['kernel-`uname -r`-x'], '1:1'],
      ['uname', ['-r'], '1:14'],
    ]);
  });

  it('takes a # as a comment only where a word starts', () => {
    const s = scan('echo a#b \'#c\' "#d" # note\n# own line\nx=1 # after');
    expect(s.commands.map((c) => c.args)).toEqual([['a#b', '#c', '#d']]);
    expect(s.comments.map((c) => [c.text, c.pos.line, c.pos.column])).toEqual([
      ['# note', 1, 20],
      ['# own line', 2, 1],
      ['# after', 3, 5],
    ]);
  });
});

describe('statements', () => {
  it('splits pipelines, lists and separators, and marks what is guarded (a probe guards both sides)', () => {
    const s = scan(
      'curl -fsSL https://x | sudo -E bash -s; a && b || c\ncommand -v jq && jq .\n[ -f x ] || touch x\nd &',
    );
    expect(
      s.commands.map((c) => [c.name, c.guarded, c.pipelineIndex, c.pipeline.map((p) => p.name)]),
    ).toEqual([
      ['curl', false, 0, ['curl', 'bash']],
      ['bash', false, 1, ['curl', 'bash']],
      ['a', true, 0, ['a']],
      ['b', true, 0, ['b']],
      ['c', false, 0, ['c']],
      ['command', true, 0, ['command']],
      ['jq', true, 0, ['jq']],
      ['touch', true, 0, ['touch']],
      ['d', false, 0, ['d']],
    ]);
  });

  it('reads subshells, groups, functions and loops; if/while/until/case/! bodies are guarded', () => {
    const src = [
      '(cd /tmp && make) ; { a; b; }',
      'f() { apt-get update; }',
      'function g { yum -y install x; }',
      'for p in a b; do echo $p; done',
      'for ((i=0; i<3; i++)); do c; done',
      'if grep -q x f; then d; elif e; then f2; else g2; fi',
      'while read l; do h; done < list',
      'until ok; do sleep 1; done',
      'case "$1" in a|b) i ;; (*) j ;; esac',
      '! k',
    ].join('\n');
    expect(scan(src).commands.map((c) => `${c.name}${c.guarded ? '?' : ''}`)).toEqual(
      'cd make a b apt-get yum echo c grep? d? e? f2? g2? read? h? ok? sleep? i? j? k?'.split(' '),
    );
  });

  it('keeps leading assignments and redirections in a command, trailing ones outside', () => {
    const s = scan('FOO=1 BAR=$(id) env\n>&2 echo hi\necho a > /tmp/f 2>&1\nX=1\nexport A=b C');
    expect(s.commands.map((c) => [c.name, c.args, c.text])).toEqual([
      ['env', [], 'FOO=1 BAR=$(id) env'],
      ['id', [], 'id'],
      ['echo', ['hi'], '>&2 echo hi'],
      ['echo', ['a'], 'echo a'],
      ['export', ['A=b', 'C'], 'export A=b C'],
    ]);
  });

  it('reads `sh -c` scripts as shell, at their place in the file', () => {
    expect(cmds("sudo sh -c 'apt-get update && apt-get -y install curl'")).toEqual([
      ['sh', ['-c', 'apt-get update && apt-get -y install curl'], '1:1'],
      ['apt-get', ['update'], '1:13'],
      ['apt-get', ['-y', 'install', 'curl'], '1:31'],
    ]);
  });

  it('spans lines with continuations, and positions each command', () => {
    expect(cmds('apt-get install -y \\\n  curl \\\n  jq\n  echo done')).toEqual([
      ['apt-get', ['install', '-y', 'curl', 'jq'], '1:1'],
      ['echo', ['done'], '4:3'],
    ]);
    const c = find('apt-get install -y \\\n  curl \\\n  jq\n', 'apt-get');
    expect([c.text, c.pos.endLine, c.pos.endColumn]).toEqual([
      'apt-get install -y \\\n  curl \\\n  jq',
      3,
      4,
    ]);
  });
});

describe('heredocs', () => {
  it('keeps the body as data: substitutions in an unquoted one are commands, nothing else', () => {
    const src = "cat <<EOF > /etc/motd\nhello $(hostname)\nrm -rf /\nEOF\ncat <<'END'\n$(id)\nEND\nnext";
    expect(cmds(src)).toEqual([
      ['cat', [], '1:1'],
      ['hostname', [], '2:9'],
      ['cat', [], '5:1'],
      ['next', [], '8:1'],
    ]);
  });

  it('ends a <<- body at a tab-indented delimiter and reads the pipe after the start', () => {
    const src = 'cat <<-EOF | sudo tee /etc/x\n\tline\n\tEOF\necho after';
    expect(scan(src).commands.map((c) => [c.name, c.args, c.pipeline.length])).toEqual([
      ['cat', [], 1],
      ['tee', ['/etc/x'], 1],
      ['echo', ['after'], 1],
    ]);
  });

  it('reads a heredoc opened inside $(…)', () => {
    expect(cmds('x=$(cat <<EOF\n$(uname)\nEOF\n)\ny').map((c) => c[0])).toEqual(['cat', 'uname', 'y']);
  });
});

describe('malformed and hostile input', () => {
  it('does not throw on unclosed quotes, substitutions, heredocs or compounds', () => {
    for (const src of [
      "echo 'open",
      'echo "open $(x',
      'echo $(ls',
      'echo `ls',
      'echo ${X:-',
      'cat <<EOF\nno end',
      'if true; then x',
      'case a in b) c',
      'for x in; do',
      ') fi done esac }',
      'f() {',
      '((',
      'echo $((1 + ',
      '<<',
      '|| && | ;;',
      'a=(1 2',
      '\\',
    ]) {
      expect(() => scan(src), src).not.toThrow();
    }
    expect(cmds("echo 'open\nstill quoted").map((c) => c[1])).toEqual([['open\nstill quoted']]);
  });

  it(`stops past ${MAX_NESTING} levels with one error, keeping what it read`, () => {
    let src = 'echo hi';
    for (let i = 0; i < 300; i++) src = `echo $(${src})`;
    const s = scan(src);
    expect(s.errors.map((e) => e.message)).toEqual([
      `shell nested deeper than ${MAX_NESTING} levels: the commands inside are not checked; flatten it`,
    ]);
    expect(s.commands.length).toBeGreaterThan(100);
  });

  it('survives 20,000 nested parentheses, braces and substitutions without a stack overflow', () => {
    // `((((…` is one arithmetic command, read without recursion.
    expect(scan('('.repeat(20_000)).errors).toEqual([]);
    for (const src of [
      `${'( '.repeat(20_000)}x${' )'.repeat(20_000)}`,
      '{ '.repeat(20_000),
      '$('.repeat(20_000),
      '${'.repeat(20_000),
      '! '.repeat(20_000),
      'if '.repeat(20_000),
    ]) {
      const s = scan(src);
      expect(s.errors.length, src.slice(0, 6)).toBe(1);
    }
    // A long flat chain is not nesting in the script, only in the tree.
    expect(scan(Array.from({ length: 500 }, (_, i) => `c${i}`).join(' && ')).commands).toHaveLength(500);
  });
});
