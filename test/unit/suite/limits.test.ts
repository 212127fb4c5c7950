import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_YAML_ALIASES, MAX_YAML_BYTES } from '../../../src/core/yaml-document.js';
import { SuiteError } from '../../../src/suite/errors.js';
import { loadSuite } from '../../../src/suite/load.js';

/** Hostile or careless suite inputs end in a one-line suite error (exit 78), never a crash. */
const dir = mkdtempSync(join(tmpdir(), 'ig-limits-'));
const write = (name: string, text: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const OK_SUITE = 'file:\n  /etc/passwd:\n    exists: true\n';

/** Nine levels of nine aliases each: 9^9 nodes if expanded ("billion laughs"). */
const BOMB = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
  .concat(
    'bcdefgh'.split('').map((c, i) => {
      const prev = 'abcdefgh'[i];
      return `${c}: &${c} [${Array(9).fill(`*${prev}`).join(',')}]`;
    }),
  )
  .join('\n');

async function suiteError(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(SuiteError);
    expect((err as SuiteError).exitCode).toBe(78);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('loaded without error');
}

describe('suite input limits', () => {
  it('an alias bomb in a suite, a vars file or --vars-inline is refused', async () => {
    const bomb = write('bomb.yaml', `${OK_SUITE}${BOMB}\n`);
    expect(await suiteError(() => loadSuite(bomb))).toMatch(
      new RegExp(`bomb\\.yaml: invalid YAML: aliases expand more than ${MAX_YAML_ALIASES} times`),
    );
    const suite = write('ok.yaml', OK_SUITE);
    const vars = write('vars.yaml', BOMB);
    expect(await suiteError(() => loadSuite(suite, { vars: [vars] }))).toMatch(
      /vars\.yaml: invalid YAML: aliases/,
    );
    expect(await suiteError(() => loadSuite(suite, { varsInline: BOMB }))).toMatch(
      /^--vars-inline: invalid YAML: aliases/,
    );
  });

  it('a NUL byte is refused with its position', async () => {
    const nul = write(
      'nul.yaml',
      Buffer.from('file:\n  /etc/passwd:\n    title: "a\0b"\n    exists: true\n'),
    );
    expect(await suiteError(() => loadSuite(nul))).toMatch(/nul\.yaml:3:14: invalid YAML: a NUL byte/);
  });

  it('a suite or vars file over the size limit is refused before it is parsed', async () => {
    const big = write('big.yaml', `${OK_SUITE}#${'x'.repeat(MAX_YAML_BYTES)}\n`);
    const started = Date.now();
    expect(await suiteError(() => loadSuite(big))).toMatch(/big\.yaml: .*larger than the limit of 1 MiB/);
    const vars = write('bigvars.yaml', `a: "${'x'.repeat(MAX_YAML_BYTES)}"\n`);
    expect(await suiteError(() => loadSuite(write('s.yaml', OK_SUITE), { vars: [vars] }))).toMatch(
      /bigvars\.yaml: cannot read vars file|bigvars\.yaml: .*larger than the limit/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a template that renders past the limit stops at its line', async () => {
    const t = write(
      'range.yaml',
      `${OK_SUITE}{{ range $i := 1000 }}{{ range $j := 1000 }}{{ "0123456789" }}{{ end }}{{ end }}\n`,
    );
    expect(await suiteError(() => loadSuite(t))).toMatch(/range\.yaml:4: template: rendered text is larger/);
  });
});

describe('host files read by templates stay out of messages', () => {
  it('readFile content that breaks the suite is not echoed', async () => {
    const secret = write(
      'shadow',
      'root:$6$c2VjcmV0c2FsdA$hash:19000:0:99999:7:::\nbob:$6$xyz$other:19000::::::\n',
    );
    const suite = write(
      'reads.yaml',
      `file:\n{{ range (readFile "${secret}" | splitList "\\n") }}  {{ . }}:\n    exists: true\n    colour: x\n{{ end }}`,
    );
    const msg = await suiteError(() => loadSuite(suite));
    expect(msg).toMatch(/unknown attribute for file/);
    expect(msg).not.toContain('$6$');
    expect(msg).toContain(`<text from ${secret}>`);
  });

  it('an included file that is not a gossfile is not echoed', async () => {
    const host = write('host.conf', 'db_password_hunter2: yes\n');
    const suite = write('inc.yaml', `${OK_SUITE}gossfile:\n  ${host}: {}\n`);
    const msg = await suiteError(() => loadSuite(suite));
    expect(msg).toMatch(/host\.conf:1:1: invalid gossfile: a top-level key: unknown resource type/);
    expect(msg).not.toContain('hunter2');
  });

  it('readFile of an endless device is refused, not read', async () => {
    const suite = write('zero.yaml', `${OK_SUITE}# {{ readFile "/dev/zero" | len }}\n`);
    expect(await suiteError(() => loadSuite(suite))).toMatch(
      /readFile "\/dev\/zero": .*larger than the limit/,
    );
  });
});
