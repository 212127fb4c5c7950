import { describe, expect, it } from 'vitest';
import { entryFor, globMatch, portsOfInodes, readerToSlice } from '../../../src/suite/add.js';
import { goFloat, goYaml, goYamlKeyLess, YamlMap } from '../../../src/suite/go-yaml.js';
import {
  GossfileWriteError,
  parseGossDoc,
  putResource,
  renderGossDoc,
  renderOne,
} from '../../../src/suite/gossfile-write.js';
import { linesFact } from '../../../src/suite/matchers/api.js';
import type { AttrFact } from '../../../src/suite/resources/api.js';

const v = (value: unknown): AttrFact => ({ value });
const e = (error: string): AttrFact => ({ error });

describe('goYaml (yaml.v3 Marshal)', () => {
  it('indents by 4, indents sequences under their key, writes empty collections in flow style', () => {
    expect(
      goYaml(
        new YamlMap([
          [
            'a',
            new YamlMap([
              ['b', ['x', 'y']],
              ['c', []],
              ['d', {}],
            ]),
          ],
        ]),
      ),
    ).toBe('a:\n    b:\n        - x\n        - "y"\n    c: []\n    d: {}\n');
  });

  it('quotes only what a plain scalar would misread', () => {
    const doc = {
      mode: '0644',
      num: '80',
      t: 'true',
      e: '',
      nul: 'null',
      old: 'yes',
      date: '2024-01-02',
      colon: 'sh: 1: foo: not found',
      any: '::',
      hash: 'a #b',
      dash: '- x',
      lead: ' x',
      ok: 'tcp:22',
      path: '/etc/passwd',
      quote: "it's",
      start: "'x'",
      bang: '!x',
      esc: '\\/x',
      bell: 'a\u0007b',
    };
    expect(goYaml(new YamlMap(Object.entries(doc)))).toBe(
      [
        'mode: "0644"',
        'num: "80"',
        't: "true"',
        'e: ""',
        'nul: "null"',
        'old: "yes"',
        'date: "2024-01-02"',
        "colon: 'sh: 1: foo: not found'",
        "any: '::'",
        "hash: 'a #b'",
        "dash: '- x'",
        "lead: ' x'",
        'ok: tcp:22',
        'path: /etc/passwd',
        "quote: it's",
        "start: '''x'''",
        "bang: '!x'",
        'esc: \\/x',
        'bell: "a\\x07b"',
        '',
      ].join('\n'),
    );
  });

  it('writes numbers, booleans and null as Go does', () => {
    expect(
      goYaml(
        new YamlMap([
          ['i', 1000],
          ['f', 1.5],
          ['big', 1234567.5],
          ['b', false],
          ['z', null],
        ]),
      ),
    ).toBe('i: 1000\nf: 1.5\nbig: 1.2345675e+06\nb: false\nz: null\n');
    expect(goFloat(0.00001)).toBe('1e-05');
  });

  it('puts a collection inside a list item on the dash line, 2 past the dash; deeper levels align to 4', () => {
    expect(goYaml({ and: [{ 'have-len': 3 }, { not: { 'contain-element': '4.4.0' } }, ['a', 'b']] })).toBe(
      'and:\n    - have-len: 3\n    - not:\n        contain-element: 4.4.0\n    - - a\n      - b\n',
    );
    expect(goYaml({ a: [{ k: 'x\ny', l: ['z'] }, 'p\n'] })).toBe(
      'a:\n    - k: |-\n        x\n        y\n      l:\n        - z\n    - |\n      p\n',
    );
  });

  it('writes multi-line text as a literal block with the right chomping', () => {
    expect(goYaml({ a: 'x\ny', b: 'x\n' })).toBe('a: |-\n    x\n    y\nb: |\n    x\n');
  });

  it('sorts map keys naturally: numbers by value, runs of digits as numbers', () => {
    const keys = ['tcp6:80', 'tcp:9999', 'tcp:80', 'b', 'B', 'a10', 'a9'];
    const sorted = [...keys].sort((a, b) => (goYamlKeyLess(a, b) ? -1 : goYamlKeyLess(b, a) ? 1 : 0));
    expect(sorted).toEqual(['B', 'a9', 'a10', 'b', 'tcp:80', 'tcp:9999', 'tcp6:80']);
  });
});

describe('gossfile written back as goss does', () => {
  it('orders sections as GossConfig, resources by key, fields as each struct; required fields always', () => {
    const doc = parseGossDoc(
      'user:\n  app:\n    exists: true\ncommand:\n  true:\n    title: keep me\n    exit-status: 0\nfile:\n  /b:\n    exists: true\n  /a:\n    contents: [x]\n    exists: true\n',
      'g.yaml',
      'yaml',
    );
    expect(renderGossDoc(doc, 'yaml')).toBe(
      [
        'file:',
        '    /a:',
        '        exists: true',
        '        contents:',
        '            - x',
        '    /b:',
        '        exists: true',
        '        contents: null',
        'user:',
        '    app:',
        '        exists: true',
        'command:',
        '    "true":',
        '        title: keep me',
        '        exit-status: 0',
        '        stdout: null',
        '        stderr: null',
        '        timeout: 0',
        '',
      ].join('\n'),
    );
  });

  it('replaces a resource with the same key, keeping its title and meta', () => {
    const doc = parseGossDoc(
      'package:\n  nginx:\n    title: web\n    meta: {sev: 5}\n    installed: false\n',
      'g.yaml',
      'yaml',
    );
    putResource(doc, 'package', 'nginx', { installed: true, versions: ['1.2'] });
    putResource(doc, 'package', 'curl', { installed: false });
    expect(renderGossDoc(doc, 'yaml')).toBe(
      'package:\n    curl:\n        installed: false\n    nginx:\n        title: web\n        meta:\n            sev: 5\n        installed: true\n        versions:\n            - "1.2"\n',
    );
  });

  it('writes JSON with 4-space indent, struct order, keys sorted bytewise, HTML escaped', () => {
    const doc = parseGossDoc('{}', 'g.json', 'json');
    putResource(doc, 'command', 'a<b', { 'exit-status': 0, stdout: '', stderr: '', timeout: 10000 });
    putResource(doc, 'addr', 'tcp://x:1', { reachable: true, timeout: 500 });
    expect(renderGossDoc(doc, 'json')).toBe(
      '{\n    "addr": {\n        "tcp://x:1": {\n            "reachable": true,\n            "timeout": 500\n        }\n    },\n    "command": {\n        "a\\u003cb": {\n            "exit-status": 0,\n            "stdout": "",\n            "stderr": "",\n            "timeout": 10000\n        }\n    }\n}',
    );
  });

  it('omits a typed field when zero but writes a matcher that holds 0, false or []', () => {
    expect(
      renderOne('user', 'root', { title: '', skip: false, exists: true, uid: 0, gid: 0, groups: [] }, 'yaml'),
    ).toBe('root:\n    exists: true\n    uid: 0\n    gid: 0\n    groups: []');
    expect(renderOne('http', 'http://x', { status: 200, timeout: 0, 'request-headers': [] }, 'yaml')).toBe(
      'http://x:\n    status: 200\n    allow-insecure: false\n    no-follow-redirects: false',
    );
  });

  it('announces one resource as a one-entry map', () => {
    expect(renderOne('group', 'www-data', { exists: true, gid: 33 }, 'yaml')).toBe(
      'www-data:\n    exists: true\n    gid: 33',
    );
  });

  it('refuses unknown sections and attributes rather than dropping them', () => {
    expect(() => parseGossDoc('pakage:\n  x: {installed: true}\n', 'g.yaml', 'yaml')).toThrow(
      GossfileWriteError,
    );
    expect(() => parseGossDoc('package:\n  x: {instaled: true}\n', 'g.yaml', 'yaml')).toThrow(
      /package "x": unknown attribute "instaled"/,
    );
  });
});

describe("goss's NewXxx: which attributes add writes", () => {
  it('file: exists, mode, owner, group, filetype (linked-to for a symlink), contents always []', () => {
    const facts = {
      exists: v(true),
      mode: v('0640'),
      owner: v('app'),
      group: v('appgrp'),
      'linked-to': e('not a symlink'),
      filetype: v('file'),
      size: v(12),
    };
    expect(entryFor('file', '/srv/x', facts, {})).toEqual({
      exists: true,
      mode: '0640',
      owner: 'app',
      group: 'appgrp',
      filetype: 'file',
      contents: [],
    });
    expect(entryFor('file', '/srv/x', facts, { excludeAttr: ['*'] })).toEqual({ exists: true, contents: [] });
    expect(entryFor('file', '/srv/x', facts, { excludeAttr: ['mo*', 'own?r'] })).toEqual({
      exists: true,
      group: 'appgrp',
      filetype: 'file',
      contents: [],
    });
  });

  it('a missing user gets exists: false alone', () => {
    const missing = e('user: unknown user x');
    expect(
      entryFor(
        'user',
        'x',
        { exists: v(false), uid: missing, gid: missing, groups: missing, home: missing, shell: missing },
        {},
      ),
    ).toEqual({ exists: false });
  });

  it('command: trimmed non-empty lines, "" when none, patterns escaped, timeout written', () => {
    const facts = {
      'exit-status': v(0),
      stdout: v(linesFact('  hi \n\n/etc\n!x\n')),
      stderr: v(linesFact('')),
    };
    expect(entryFor('command', 'c', facts, {})).toEqual({
      'exit-status': 0,
      stdout: ['hi', '\\/etc', '\\!x'],
      stderr: '',
      timeout: 10000,
    });
    expect(entryFor('command', 'c', facts, { excludeAttr: ['stdout'], timeoutMs: 2000 })).toMatchObject({
      stdout: '',
      timeout: 2000,
    });
  });

  it('http: status and goss defaults, body [] and the flags given', () => {
    expect(entryFor('http', 'http://x', { status: v(301) }, { noFollowRedirects: true })).toEqual({
      status: 301,
      'allow-insecure': false,
      'no-follow-redirects': true,
      timeout: 5000,
      body: [],
    });
  });

  it('a value goss needs and cannot read fails the add', () => {
    expect(() => entryFor('kernel-param', 'k', { value: e('no such key') }, {})).toThrow(/no such key/);
  });

  it('readerToSlice and globMatch follow goss', () => {
    expect(readerToSlice('a\n  \n b\n')).toEqual(['a', 'b']);
    expect(globMatch('*', 'linked-to')).toBe(true);
    expect(globMatch('[gh]ome', 'home')).toBe(true);
    expect(globMatch('ho', 'home')).toBe(false);
  });
});

describe('autoadd: the ports a process listens on', () => {
  it("maps the process's socket inodes to listening tcp and bound udp ports", () => {
    const header =
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
    const probe = [
      'inode 111',
      'inode 333',
      'table tcp',
      header,
      '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1',
      '   1: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1',
      'table tcp6',
      header,
      'table udp',
      header,
      '   5: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 333 2',
      'table udp6',
      header,
    ].join('\n');
    expect(portsOfInodes(probe)).toEqual([
      { key: 'tcp:8080', ip: ['0.0.0.0'] },
      { key: 'udp:53', ip: ['0.0.0.0'] },
    ]);
  });
});
