/**
 * The address the temporary security group admits SSH from: the caller's public IPv4 as /32,
 * detected from AWS's own echo service or configured. Anything wider than a /8 — and 0.0.0.0/0
 * above all — is refused: a test instance must never be open to the internet.
 */
export class CallerCidrError extends Error {
  override name = 'CallerCidrError';
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export function checkCidr(cidr: string): string {
  const [ip, prefix] = cidr.split('/');
  const bits = Number(prefix);
  if (!ip || !IPV4.test(ip) || prefix === undefined || !Number.isInteger(bits) || bits > 32) {
    throw new CallerCidrError(`allowCidr "${cidr}" is not an IPv4 CIDR such as 203.0.113.7/32`);
  }
  if (bits < 8) {
    throw new CallerCidrError(`allowCidr "${cidr}" would open SSH to a /${bits}: use your address as /32`);
  }
  return cidr;
}

export type FetchText = (url: string) => Promise<string>;

const fetchText: FetchText = async (url) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
};

export async function detectCallerCidr(fetcher: FetchText = fetchText): Promise<string> {
  let text: string;
  try {
    text = (await fetcher('https://checkip.amazonaws.com/')).trim();
  } catch (err) {
    throw new CallerCidrError(
      `cannot detect this machine's public address (${(err as Error).message}): set test.ec2.allowCidr, or securityGroupId`,
    );
  }
  if (!IPV4.test(text))
    throw new CallerCidrError(`checkip.amazonaws.com answered "${text.slice(0, 40)}", not an IPv4 address`);
  return `${text}/32`;
}
