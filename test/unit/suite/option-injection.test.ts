import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCollector } from '../../../src/suite/collector.js';
import { SuiteError } from '../../../src/suite/errors.js';
import { loadSuite } from '../../../src/suite/load.js';

/** Names and values from a suite never reach a target command as options or paths. */
const dir = mkdtempSync(join(tmpdir(), 'ig-inject-'));
async function refused(yaml: string): Promise<string> {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  try {
    await loadSuite(file);
  } catch (err) {
    expect(err).toBeInstanceOf(SuiteError);
    return (err as Error).message;
  }
  throw new Error('loaded');
}

describe('names that would be options or paths are refused at load, with file:line', () => {
  it.each([
    [
      'service:\n  ../../usr/bin/touch:\n    running: true\n',
      /:2: invalid gossfile: service\.\.\.\/\.\.\/usr\/bin\/touch: service name/,
    ],
    ['service:\n  web:\n    name: -x\n    running: true\n', /service name "-x"/],
    [
      'http:\n  -o/tmp/x:\n    status: 200\n',
      /http URL "-o\/tmp\/x" must begin with http:\/\/ or https:\/\//,
    ],
    [
      'http:\n  http://h/:\n    status: 200\n    request-headers: ["@/etc/passwd"]\n',
      /request header "@\/etc\/passwd" must be "Name: value"/,
    ],
    ['dns:\n  -p5353:\n    resolvable: true\n', /dns name "-p5353" may not begin with "-"/],
    ['dns:\n  A:-p5353:\n    resolvable: true\n', /dns name "-p5353"/],
    ['user:\n  -r:\n    exists: true\n', /user name "-r" begins with "-"/],
    ['group:\n  x:\n    groupname: ../etc\n    exists: true\n', /group name "\.\.\/etc" may not contain/],
    ['interface:\n  ../../../etc:\n    exists: true\n', /interface name/],
    ['addr:\n  tcp://-e:80:\n    reachable: true\n', /addr host "-e" begins with "-"/],
  ])('%j', async (yaml, want) => {
    expect(await refused(yaml)).toMatch(want);
  });

  it('ordinary names still load (systemd templates, dotted, user@ units)', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(
      file,
      'service:\n  getty@tty1.service:\n    enabled: true\n  nginx:\n    running: true\nuser:\n  www-data:\n    exists: true\n',
    );
    expect((await loadSuite(file)).resources).toHaveLength(3);
  });
});

describe('values reach tools as data, never as options', () => {
  it('an http request body starting with "@" is written to a file curl reads, not a file name', () => {
    const c = buildCollector([
      {
        id: 'r0',
        spec: {
          type: 'http',
          key: 'http://127.0.0.1:9/',
          attrs: { status: 200, 'request-body': '@/etc/shadow', method: 'POST' },
          title: '',
          meta: null,
          skip: false,
          source: { file: 'g.yaml', line: 1 },
        },
      },
    ]);
    expect(c.script).not.toContain("--data-binary '@/etc/shadow'");
    expect(c.script).toContain(`printf '%s' '@/etc/shadow' >"$T/r0.req"`);
    expect(c.script).toContain('--data-binary @"$T/r0.req"');
    execFileSync('sh', ['-n'], { input: c.script });
  });
});
