import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../../src/transports/open.js';

describe('parseTarget', () => {
  it('parses the three target forms', () => {
    expect(parseTarget('local')).toEqual({ kind: 'local' });
    expect(parseTarget('docker://web-1')).toEqual({ kind: 'docker', container: 'web-1' });
    expect(parseTarget('ssh://admin@10.0.0.5')).toEqual({
      kind: 'ssh',
      endpoint: { user: 'admin', host: '10.0.0.5', port: 22 },
    });
    expect(parseTarget('ssh://ec2-user@[fd00::5]:2222')).toEqual({
      kind: 'ssh',
      endpoint: { user: 'ec2-user', host: 'fd00::5', port: 2222 },
    });
  });

  it.each([
    ['docker://', /container name or id missing or invalid/],
    ['docker://a b', /container name or id missing or invalid/],
    ['ssh://host.example.com', /user and host are required/],
    ['ssh://u@h:99999', /port 99999 is not between 1 and 65535/],
    ['ssh://u@h:22/path', /expected ssh:\/\/user@host\[:port\]/],
    ['http://x', /unknown form \(expected local, docker:\/\/CONTAINER or ssh:\/\/user@host\[:port\]\)/],
  ])('rejects %s with a precise message', (target, message) => {
    expect(() => parseTarget(target)).toThrow(message);
    expect(() => parseTarget(target)).toThrow(expect.objectContaining({ kind: 'bad-input' }));
  });
});
