import { describe, expect, it } from 'vitest';
import { checkCidr, detectCallerCidr } from '../../../src/targets/caller-ip.js';

describe('SSH source range', () => {
  it('accepts a configured /32 or a narrow range', () => {
    expect(checkCidr('203.0.113.7/32')).toBe('203.0.113.7/32');
    expect(checkCidr('10.20.0.0/16')).toBe('10.20.0.0/16');
  });

  it.each(['0.0.0.0/0', '10.0.0.0/4'])('refuses %s: never open SSH to the internet', (cidr) => {
    expect(() => checkCidr(cidr)).toThrow(/would open SSH to a \/\d: use your address as \/32/);
  });

  it.each(['203.0.113.7', '203.0.113.300/32', '::1/128', '1.2.3.4/33'])('rejects malformed %s', (cidr) => {
    expect(() => checkCidr(cidr)).toThrow(/is not an IPv4 CIDR/);
  });

  it('detects the caller as a /32 from the echo service', async () => {
    expect(await detectCallerCidr(async () => '198.51.100.23\n')).toBe('198.51.100.23/32');
  });

  it('says what to configure when detection fails or answers nonsense', async () => {
    await expect(
      detectCallerCidr(async () => {
        throw new Error('getaddrinfo ENOTFOUND');
      }),
    ).rejects.toThrow(/ENOTFOUND.*set test\.ec2\.allowCidr/);
    await expect(detectCallerCidr(async () => '<html>')).rejects.toThrow(/not an IPv4 address/);
  });
});
