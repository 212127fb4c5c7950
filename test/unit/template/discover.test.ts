import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { discoverTemplates } from '../../../src/template/discover.js';
import { loadTemplate } from '../../../src/template/load.js';
import { fixtures } from './helpers.js';

describe('discoverTemplates', () => {
  const root = join(fixtures, 'discover');

  it('finds template directories and legacy JSON templates, skipping node_modules and .git', async () => {
    expect(await discoverTemplates([root])).toEqual([
      join(root, 'a'),
      join(root, 'b/c'),
      join(root, 'json-dir'),
      join(root, 'legacy.json'),
    ]);
  });

  it('keeps file arguments as given, in argument order, without duplicates', async () => {
    const file = join(root, 'package.json');
    expect(await discoverTemplates([file, join(root, 'a'), file])).toEqual([file, join(root, 'a')]);
  });

  it('throws a UserError with exit code 2 naming an unreadable path', async () => {
    const missing = join(root, 'nope');
    const err = await discoverTemplates([missing]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect((err as UserError).message).toBe(
      `${missing}: cannot read (no such file or directory); check the path`,
    );
  });
});

describe('loadTemplate on bad paths', () => {
  it('throws a UserError naming a missing path', async () => {
    const missing = join(fixtures, 'missing.pkr.hcl');
    await expect(loadTemplate(missing)).rejects.toThrow(
      new UserError(`${missing}: cannot read (no such file or directory); check the path`),
    );
  });

  it('refuses a directory with no template files, saying what it looked for', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imagegate-empty-'));
    try {
      await writeFile(join(dir, 'README.md'), 'no templates here\n');
      const err = await loadTemplate(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).message).toBe(
        `${dir}: no *.pkr.hcl or *.pkr.json file in this directory; pass a template file or directory`,
      );
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
