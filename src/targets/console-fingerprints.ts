/**
 * cloud-init prints the instance's SSH host key fingerprints to the serial console at first
 * boot, between these markers (lines may carry an `ec2: ` prefix). Those come from inside the
 * instance, through AWS, not over the network we are about to trust, so they can verify the
 * key SSH presents.
 */
const BEGIN = '-----BEGIN SSH HOST KEY FINGERPRINTS-----';
const END = '-----END SSH HOST KEY FINGERPRINTS-----';

export function consoleFingerprints(consoleText: string): string[] {
  const start = consoleText.lastIndexOf(BEGIN);
  if (start < 0) return [];
  const end = consoleText.indexOf(END, start);
  if (end < 0) return [];
  const block = consoleText.slice(start + BEGIN.length, end);
  return [...new Set(block.match(/SHA256:[A-Za-z0-9+/]{43}/g) ?? [])];
}
