import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { generateKey } from '../evidence/keys.js';
import { configOption } from './options.js';
import { terminalOutput } from './output.js';

interface KeygenOpts {
  out?: string;
  json?: boolean;
  config?: string;
}

function run(opts: KeygenOpts): void {
  const out = terminalOutput({ quiet: opts.json });
  const loaded = loadConfig(opts.config);
  const file = resolve(opts.out ?? join(loaded.dir, '.imagegate', 'keys', 'signing.key'));
  const key = generateKey(file);
  // The private key is never printed: only where it is, and its public half.
  if (opts.json) {
    out.result(
      JSON.stringify(
        {
          privateKeyFile: key.privateKeyFile,
          publicKeyFile: key.publicKeyFile,
          keyId: key.keyId,
          publicKey: key.publicKeyPem,
        },
        null,
        2,
      ),
    );
    return;
  }
  out.result(
    [
      `private key: ${key.privateKeyFile} (mode 0600; keep it secret, e.g. in your CI secret store)`,
      `public key:  ${key.publicKeyFile}`,
      `key id:      ${key.keyId}`,
      '',
      key.publicKeyPem.trimEnd(),
      '',
      'To sign with it:  evidence: { signer: { local: PATH-TO-PRIVATE-KEY } }',
      'To trust it:      stages: { prod: { trust: [{ publicKey: PATH-TO-PUBLIC-KEY }] } }',
    ].join('\n'),
  );
}

export function register(program: Command): void {
  program
    .command('keygen')
    .summary('make a local Ed25519 signing key for evidence')
    .description(
      'Write a new Ed25519 key pair for signing evidence: the private key (PEM, mode 0600) and its ' +
        'public key beside it (FILE.pub). Prints the public key and its key id (sha256 of the public ' +
        'key), which is what trust policies and signatures name. Never overwrites a key.',
    )
    .option('--out <file>', 'private key file (default .imagegate/keys/signing.key beside imagegate.yaml)')
    .option('--json', 'print the files, key id and public key as JSON')
    .addOption(configOption('imagegate.yaml whose directory holds .imagegate/'))
    .addHelpText(
      'after',
      `
Examples:
  imagegate keygen --out ~/.config/imagegate/prod-signing.key
  imagegate keygen --json

Exit codes: 0 written, 2 the file already exists or cannot be written. See docs/evidence.md.`,
    )
    .action(run);
}
