import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BATCHES, chunks, MAX_BATCH_BYTES } from '../../../src/suite/batch.js';
import { buildCollector, type CollectItem, parseCollected } from '../../../src/suite/collector.js';
import { RESOURCES } from '../../../src/suite/resources/index.js';
import { evaluateResource } from '../../../src/suite/run.js';
import { collectItem } from '../../helpers/collect-item.js';

const item = collectItem;

/** Runs the real collector in a local sh (dash on Debian), as validate does for the local target. */
function run(items: CollectItem[], env: NodeJS.ProcessEnv = process.env, cwd?: string) {
  const c = buildCollector(items);
  const stdout = execFileSync('sh', ['-s'], { input: c.script, encoding: 'utf8', env, cwd });
  const frames = parseCollected(stdout, c);
  const facts = (it: CollectItem) => RESOURCES[it.spec.type].facts(it.spec, it.id, frames);
  return { script: c.script, facts };
}

/** How many times a command is started in the script (at the start of a line or after `{ if`/`then`). */
function invocations(script: string, command: string): number {
  return script.split('\n').filter((l) => new RegExp(`(^|then |; )${command} `).test(l.trim())).length;
}

const me = userInfo();
const myGroup = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();

describe('batched collection', () => {
  it('stats 100 files with one stat; hostile names stay data; a missing file among them is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ig-batch-'));
    const names = [
      ...Array.from({ length: 96 }, (_, i) => `f${i}`),
      '-rf',
      '$(touch pwned)',
      "it's | a pipe",
      'link',
    ];
    names.slice(0, -1).forEach((n, i) => {
      writeFileSync(join(dir, n), 'x'.repeat(i));
    });
    symlinkSync('nowhere', join(dir, 'link'));
    mkdirSync(join(dir, 'sentinel'));
    const items = names.map((n, i) =>
      // `-rf` relative to the working directory: the one name that could read as an option.
      item(`f${i}`, 'file', n === '-rf' ? n : join(dir, n), {
        exists: true,
        size: 0,
        owner: me.username,
        filetype: 'x',
      }),
    );
    items.splice(50, 0, item('gone', 'file', join(dir, 'missing'), { exists: true, mode: '0644' }));

    const { script, facts } = run(items, process.env, dir);

    expect(invocations(script, 'stat')).toBe(1);
    expect(script).toContain(`stat -c '%a|%s|%u|%g|%U|%G|%F|%n' -- `);
    // Nothing ran: no file appeared, none went away.
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(existsSync(join(dir, 'sentinel'))).toBe(true);
    for (const it of items.filter((x) => x.id !== 'gone')) {
      const path = it.spec.key === '-rf' ? join(dir, '-rf') : it.spec.key;
      const st = lstatSync(path);
      const f = facts(it);
      expect(f.exists, path).toEqual({ value: true });
      expect(f.size, path).toEqual({ value: st.size });
      expect(f.uid, path).toEqual({ value: st.uid });
      expect(f.owner, path).toEqual({ value: me.username });
      expect(f.filetype, path).toEqual({ value: st.isSymbolicLink() ? 'symlink' : 'file' });
    }
    // lstat, as goss: the dangling link is a link of its own, mode 0777.
    expect(facts(items.find((x) => x.spec.key.endsWith('link'))!).mode).toEqual({ value: '0777' });
    const gone = facts(items.find((x) => x.id === 'gone')!);
    expect(gone.exists).toEqual({ value: false });
    expect(evaluateResource(items[50]!.spec, gone).map((r) => r.result)).toEqual([1, 2]);
  });

  it('asks getent once per database and tells a missing or numeric name from a present one', () => {
    const items = [
      item('u0', 'user', 'root', { exists: true, uid: 0, home: '/root' }),
      item('u1', 'user', me.username, { exists: true, uid: me.uid }),
      item('u2', 'user', 'nosuchuser-ig', { exists: false }),
      // getent resolves a number as a uid; goss's user 0 does not exist.
      item('u3', 'user', '0', { exists: false }),
      item('u4', 'user', '$(touch /tmp/ig-pwned)', { exists: false }),
      item('g0', 'group', 'root', { exists: true, gid: 0 }),
      item('g1', 'group', myGroup, { exists: true }),
      item('g2', 'group', 'nosuchgroup-ig', { exists: false }),
    ];
    const { script, facts } = run(items);
    expect(invocations(script, 'getent passwd --')).toBe(1);
    expect(invocations(script, 'getent group --')).toBe(1);
    for (const it of items) {
      expect(
        evaluateResource(it.spec, facts(it)).map((r) => [r.property, r.result]),
        it.spec.key,
      ).toEqual(Object.keys(it.spec.attrs).map((k) => [k, 0]));
    }
    expect(existsSync('/tmp/ig-pwned')).toBe(false);
  });

  it('reads every kernel parameter with one head, from offset 0, and reports a missing one', () => {
    const pidMax = readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim();
    const items = [
      item('k0', 'kernel-param', 'kernel.ostype', { value: 'Linux' }),
      item('k1', 'kernel-param', 'kernel.pid_max', { value: pidMax }),
      item('k2', 'kernel-param', 'kernel.no_such_param', { value: '1' }),
      item('k3', 'kernel-param', 'kernel.osrelease', {
        value: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
      }),
    ];
    const { script, facts } = run(items);
    expect(invocations(script, 'head')).toBe(1);
    expect(facts(items[0]!).value).toEqual({ value: 'Linux' });
    expect(facts(items[1]!).value).toEqual({ value: pidMax });
    expect(facts(items[2]!).value).toEqual({ error: 'kernel parameter kernel.no_such_param not found' });
    expect(facts(items[3]!).value).toHaveProperty('value');
  });

  it('gives the same facts on a target without getent or head (flat files, one read per parameter)', () => {
    // A PATH holding only the tools the collector needs, minus getent and head.
    const bin = mkdtempSync(join(tmpdir(), 'ig-bin-'));
    for (const tool of ['sh', 'stat', 'awk', 'base64', 'cat', 'mktemp', 'rm', 'mkdir', 'id']) {
      const path = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      symlinkSync(path, join(bin, tool));
    }
    const items = [
      item('u0', 'user', 'root', { exists: true, uid: 0, home: '/root' }),
      item('u1', 'user', 'nosuchuser-ig', { exists: false }),
      item('g0', 'group', 'root', { exists: true, gid: 0 }),
      item('k0', 'kernel-param', 'kernel.ostype', { value: 'Linux' }),
      item('k1', 'kernel-param', 'kernel.pid_max', {
        value: readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim(),
      }),
      item('k2', 'kernel-param', 'kernel.no_such_param', { value: '1' }),
      item('f0', 'file', '/etc/passwd', { exists: true, owner: 'root' }),
    ];
    const { facts } = run(items, { PATH: bin });
    for (const it of items.filter((x) => x.id !== 'k2')) {
      expect(
        evaluateResource(it.spec, facts(it)).map((r) => [r.property, r.result]),
        it.spec.key,
      ).toEqual(Object.keys(it.spec.attrs).map((k) => [k, 0]));
    }
    expect(facts(items[5]!).value).toEqual({ error: 'kernel parameter kernel.no_such_param not found' });
  });

  it('splits very long batches into several commands, each matched back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ig-chunk-'));
    const long = 'd'.repeat(200);
    const items = Array.from({ length: 400 }, (_, i) =>
      item(`m${i}`, 'file', join(dir, `${long}-${i}`), { exists: false }),
    );
    writeFileSync(join(dir, 'present'), 'abc');
    items.push(item('p', 'file', join(dir, 'present'), { exists: true, size: 3 }));
    const { script, facts } = run(items);
    expect(invocations(script, 'stat')).toBe(chunks(items.map((x) => x.spec.key)).length);
    expect(invocations(script, 'stat')).toBeGreaterThan(1);
    expect(facts(items.at(-1)!).size).toEqual({ value: 3 });
    expect(facts(items[0]!).exists).toEqual({ value: false });
  });

  it('chunks by operand bytes and never leaves an item out', () => {
    const items = Array.from({ length: 1000 }, (_, i) => `/p/${'x'.repeat(100)}${i}`);
    const parts = chunks(items);
    expect(parts.flat()).toEqual(items);
    for (const p of parts) expect(p.join('   ').length).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(chunks([])).toEqual([]);
  });

  it('matches stat lines back by name, whatever their order or a `|` in the name', () => {
    const got = BATCHES.lstat.split(
      ['644|3|0|0|root|root|regular file|/b|c', '755|4096|0|0|root|root|directory|/a', 'junk'].join('\n'),
      ['/a', '/b|c', '/z'],
    );
    expect(Object.fromEntries(got)).toEqual({
      '/a': '755|4096|0|0|root|root|directory',
      '/b|c': '644|3|0|0|root|root|regular file',
    });
  });

  it('a batch the script never printed leaves its resources "not collected"', () => {
    const items = [
      item('u0', 'user', 'root', { exists: true }),
      item('f0', 'file', '/etc', { exists: true }),
    ];
    const c = buildCollector(items, { marker: '@M' });
    // Only the file's own inline frame arrived: the script stopped before the batches' output.
    const frames = parseCollected('@M f0 exists r true\n', c);
    expect(RESOURCES.user.facts(items[0]!.spec, 'u0', frames).exists).toEqual({
      error: 'not collected: the collector script stopped early',
    });
    expect(RESOURCES.file.facts(items[1]!.spec, 'f0', frames).mode).toEqual({
      error: 'stat /etc: permission denied or stat missing',
    });
  });
});
