import { describe, expect, it } from 'vitest';
import { file } from '../../../../src/suite/resources/file.js';
import { frames, spec } from './helpers.js';

describe('file', () => {
  it('pads modes to four digits and names filetypes like goss', () => {
    const f = frames(
      ['r0', 'exists', 'true'],
      ['r0', 'stat', '4755|1024|0|0|root|root|regular file'],
      ['r0', 'sha256', 'abc  -\n'],
    );
    const facts = file.facts(spec('file', '/usr/bin/su'), 'r0', f);
    expect(facts.mode).toEqual({ value: '4755' });
    expect(facts.filetype).toEqual({ value: 'file' });
    expect(facts.size).toEqual({ value: 1024 });
    expect(facts.sha256).toEqual({ value: 'abc' });
    const d = frames(['r0', 'exists', 'true'], ['r0', 'stat', '755|4096|0|0|root|root|directory']);
    expect(file.facts(spec('file', '/etc'), 'r0', d).mode).toEqual({ value: '0755' });
  });

  it('keeps contents as lines and as raw text, final newline included, and reports an absent file on every other attribute', () => {
    const f = frames(
      ['r0', 'exists', 'true'],
      ['r0', 'stat', '644|6|0|0|root|root|regular file'],
      ['r0', 'contents', 'a\nb\n'],
    );
    expect(file.facts(spec('file', '/x'), 'r0', f).contents).toEqual({
      value: { kind: 'lines', lines: ['a', 'b'], text: 'a\nb\n', reader: '*os.File' },
    });
    const gone = file.facts(spec('file', '/y'), 'r0', frames(['r0', 'exists', 'false']));
    expect(gone.exists).toEqual({ value: false });
    expect(gone.mode).toEqual({ error: 'stat /y: no such file or directory' });
  });
});
