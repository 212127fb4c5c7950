import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/core/pool.js';
import { parseHcl } from '../../src/template/hcl-parse.js';
import { requireBinary } from '../helpers/engines.js';

const dir = new URL('../fixtures/template/hcl-syntax/', import.meta.url).pathname;

interface Case {
  name: string;
  want?: 'accept' | 'reject';
  text: string;
}

type Verdict = 'accept' | 'reject';

/**
 * HashiCorp's own parser as the judge: `packer fmt -check` parses with hclsyntax and exits 1
 * saying "failed to parse" on a syntax error (0, or 3 when only the layout would change). imagegate's HCL parser must
 * give the same verdict, on a curated corpus and on seeded mutations of a file that holds
 * every construct.
 */
describe('HCL syntax verdicts match Packer (hclsyntax)', () => {
  let work: string;
  let n = 0;

  beforeAll(() => {
    requireBinary('packer', 'run `bash scripts/setup-host.sh` (installs packer)');
    work = mkdtempSync(join(tmpdir(), 'imagegate-hcl-oracle-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const packer = (text: string): Promise<Verdict> => {
    const file = join(work, `case-${n++}.pkr.hcl`);
    writeFileSync(file, text);
    return new Promise((resolve, reject) => {
      execFile('packer', ['fmt', '-check', file], { timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        // Packer 1.6.6 prints its errors on stdout.
        const said = `${stdout}${stderr}`;
        if (code === 0 || code === 3) resolve('accept');
        else if (code === 1 && said.includes('failed to parse')) resolve('reject');
        else reject(new Error(`packer fmt exited ${code}: ${said.slice(0, 300)}`));
      });
    });
  };
  const ours = (name: string, text: string): { verdict: Verdict; errors: string[] } => {
    const errors = parseHcl(name, text).errors.map((e) => `${e.pos.line}:${e.pos.column} ${e.message}`);
    return { verdict: errors.length > 0 ? 'reject' : 'accept', errors };
  };
  const judge = async (cases: Case[]) => {
    const verdicts = await mapLimit(cases, 3, async (c) => ({ c, packer: await packer(c.text) }));
    return verdicts.map(({ c, packer }) => {
      const mine = ours(c.name, c.text);
      return { name: c.name, want: c.want ?? packer, packer, ours: mine.verdict, errors: mine.errors };
    });
  };

  it('on the curated corpus: the stated verdict, Packer and imagegate all agree', async () => {
    const cases = corpus(readFileSync(join(dir, 'corpus.txt'), 'utf8'));
    expect(cases.length).toBeGreaterThan(30);
    expect(cases.filter((c) => c.want === 'accept').length).toBeGreaterThan(5);
    const results = await judge(cases);
    const wrong = results.filter((r) => r.want !== r.packer || r.ours !== r.packer);
    expect(wrong).toEqual([]);
  });

  it('on 90 seeded mutations of a file holding every construct', async () => {
    const everything = readFileSync(join(dir, 'everything.pkr.hcl'), 'utf8');
    expect(ours('everything', everything)).toEqual({ verdict: 'accept', errors: [] });
    const cases = mutations(everything, 90, 20261128);
    const results = await judge(cases);
    // Both outcomes occur, so the comparison means something either way.
    expect(new Set(results.map((r) => r.packer))).toEqual(new Set(['accept', 'reject']));
    const wrong = results
      .filter((r) => r.ours !== r.packer)
      .map((r) => ({ ...r, text: cases.find((c) => c.name === r.name)?.text }));
    expect(wrong).toEqual([]);
  });
});

/** `=== accept name` / `=== reject name` headers, each followed by its text. */
function corpus(text: string): Case[] {
  return text
    .split(/^=== /m)
    .slice(1)
    .map((chunk) => {
      const eol = chunk.indexOf('\n');
      const [want, ...name] = chunk.slice(0, eol).split(' ');
      if (want !== 'accept' && want !== 'reject') throw new Error(`corpus.txt: bad header "${want}"`);
      return { name: name.join(' '), want, text: chunk.slice(eol + 1) };
    });
}

const TOKENS = [';', '}', '{', '"', ',', '=', '\n', '${', ']', '[', '(', ')', '#', '<<EOF\n', 'x', ':'];
const MORE = ['?', '.', '%{', '~', '*', '-', '!', '/*', '\\', '$', '0', 'for ', ' if ', '=>', '...', '\r'];

/** One or two random edits each: delete a character, insert a token, join or repeat a line. */
function mutations(source: string, count: number, seed: number): Case[] {
  let state = seed;
  const rnd = (n: number): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  const tokens = [...TOKENS, ...MORE];
  return Array.from({ length: count }, (_, i) => {
    let s = source;
    for (let m = 1 + rnd(2); m > 0; m--) {
      const at = rnd(s.length + 1);
      const op = rnd(4);
      if (op === 0) s = s.slice(0, at) + s.slice(at + 1);
      else if (op === 1) s = s.slice(0, at) + tokens[rnd(tokens.length)] + s.slice(at);
      else if (op === 2) {
        const eol = s.indexOf('\n', at);
        if (eol !== -1) s = `${s.slice(0, eol)} ${s.slice(eol + 1)}`;
      } else {
        const lines = s.split('\n');
        lines.splice(rnd(lines.length), 0, lines[rnd(lines.length)] ?? '');
        s = lines.join('\n');
      }
    }
    return { name: `mutation ${i} (seed ${seed})`, text: s };
  });
}
