import { afterEach, describe, expect, it } from 'vitest';
import { findPacker } from '../../../src/packer/packer.js';

describe('findPacker', () => {
  const before = process.env.IMAGEGATE_PACKER;
  afterEach(() => {
    if (before === undefined) delete process.env.IMAGEGATE_PACKER;
    else process.env.IMAGEGATE_PACKER = before;
  });

  it('names the IMAGEGATE_PACKER path that does not exist, not PATH', async () => {
    process.env.IMAGEGATE_PACKER = '/nonexistent/packer';
    await expect(findPacker()).rejects.toThrow(
      'IMAGEGATE_PACKER=/nonexistent/packer: no such program: point it at the packer binary, or unset it to use the one on PATH',
    );
  });

  it('says packer is not on PATH when nothing names another binary', async () => {
    delete process.env.IMAGEGATE_PACKER;
    await expect(findPacker('imagegate-no-such-packer')).rejects.toThrow(/^packer not found on PATH/);
  });

  it('refuses a program whose `version` prints no version', async () => {
    await expect(findPacker('true')).rejects.toThrow(/cannot run `true version`: unexpected output/);
  });
});
