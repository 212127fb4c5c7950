// Cost of signed evidence per artifact: signing a verdict (local Ed25519; AWS KMS with a
// simulated round trip) and verifying it (envelope, signature, ajv schema, consistency).
// Run: npm run build && node bench/evidence.mjs [kms-round-trip-ms]
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { encodeEnvelope } from '../dist/evidence/dsse.js';
import { keyIdOf } from '../dist/evidence/keys.js';
import { signVerdict } from '../dist/evidence/sign.js';
import { ed25519Signer, kmsSigner } from '../dist/evidence/signer.js';
import { verifyVerdict } from '../dist/evidence/verify.js';

const RTT = Number(process.argv[2] ?? 25);
const ID = `sha256:${'e'.repeat(64)}`;

/** A verdict the size a real gate writes: 3 suites, 200 checks, lint findings, logs. */
function verdict(checks) {
  const result = (i) => ({
    'resource-id': `/etc/file-${i}`,
    'resource-type': 'File',
    title: '',
    meta: { controls: ['CIS-6.1.1'] },
    property: 'mode',
    result: 0,
    successful: true,
    skipped: false,
    err: null,
    'matcher-result': { message: 'equal', expected: '0644', actual: '0644' },
    'summary-line': `File: /etc/file-${i}: mode: matches expectation: "0644"`,
    duration: 12000,
    'start-time': '2026-12-05T10:00:00Z',
    'end-time': '2026-12-05T10:00:00Z',
  });
  const per = Math.ceil(checks / 3);
  return {
    schema: 'imagegate.verdict/v1',
    artifact: { kind: 'docker-image', id: ID, reference: 'web:1.0' },
    image: 'web',
    template: { path: 'packer/web', digest: 'a'.repeat(64) },
    git: { sha: 'b'.repeat(40), dirty: false },
    lint: {
      errors: 0,
      warnings: 2,
      infos: 1,
      findings: [{ policy: 'p', message: 'm', file: 'f', line: 1 }],
      notApplicable: [],
    },
    suites: [0, 1, 2].map((s) => ({
      name: `goss/suite-${s}.yaml`,
      digest: 'c'.repeat(64),
      run: {
        results: Array.from({ length: per }, (_, i) => result(s * per + i)),
        summary: {
          'test-count': per,
          'failed-count': 0,
          'skipped-count': 0,
          'total-duration': 1e6,
          'summary-line': '',
        },
      },
    })),
    target: { kind: 'docker', container: 'x' },
    timings: {
      startedAt: '2026-12-05T10:00:00Z',
      finishedAt: '2026-12-05T10:00:05Z',
      bootMs: 900,
      suiteMs: 2000,
    },
    passed: true,
    promotions: [],
    tool: { name: 'imagegate', version: '0.1.0' },
  };
}

async function median(n, fn) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(n / 2)], p90: times[Math.floor(n * 0.9)] };
}
const ms = (x) => `${x.median.toFixed(2)} ms (p90 ${x.p90.toFixed(2)})`;

const v = verdict(200);
const ed = generateKeyPairSync('ed25519');
const edSigner = ed25519Signer(ed.privateKey, 'bench');
const edTrust = [{ keyId: edSigner.keyId, publicKey: ed.publicKey, label: 'bench' }];

// A KMS client that answers Sign after RTT ms, as a real in-region call would, signing the
// digest it is sent. ECDSA here signs sha256(digest): the signature's validity is not what is
// measured on this path, only the cost (digest + round trip + an ECDSA signature).
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const fakeKms = {
  send: async (cmd) => {
    await new Promise((r) => setTimeout(r, RTT));
    return { Signature: sign('sha256', Buffer.from(cmd.input.Message), p256.privateKey) };
  },
};
const kms = kmsSigner('arn:aws:kms:eu-west-1:111111111111:key/bench', fakeKms);
// For verification, an ECDSA P-256 envelope with a real signature over the PAE (what KMS returns).
const ecSigner = {
  keyId: 'arn:aws:kms:eu-west-1:111111111111:key/bench',
  describe: 'p256',
  sign: async (m) => sign('sha256', m, p256.privateKey),
};
const ecTrust = [{ keyId: ecSigner.keyId, publicKey: p256.publicKey, label: 'kms' }];

const edBytes = encodeEnvelope(await signVerdict(v, edSigner));
const ecBytes = encodeEnvelope(await signVerdict(v, ecSigner));
const payloadKb = (Buffer.from(JSON.parse(edBytes).payload, 'base64').length / 1024).toFixed(0);

const t = performance.now();
const first = verifyVerdict(edBytes, { trust: edTrust, artifact: { kind: 'docker-image', id: ID } });
const firstMs = performance.now() - t;
if (!first.ok) throw new Error(`bench envelope did not verify: ${first.reason}`);

const rows = [
  [
    'verdict size',
    `${v.suites.reduce((n, s) => n + s.run.results.length, 0)} checks, statement ${payloadKb} KiB, envelope ${(edBytes.length / 1024).toFixed(0)} KiB`,
  ],
  [
    'sign, local Ed25519 (canonical JSON + PAE + signature)',
    ms(await median(200, () => signVerdict(v, edSigner))),
  ],
  [
    `sign, AWS KMS ECDSA P-256, simulated ${RTT} ms round trip`,
    ms(await median(40, () => signVerdict(v, kms))),
  ],
  ['verify, first in a process (includes ajv compiling 4 schemas)', `${firstMs.toFixed(1)} ms`],
  [
    'verify, Ed25519 (parse, PAE, signature, ajv, consistency, subject)',
    ms(
      await median(200, () =>
        verifyVerdict(edBytes, { trust: edTrust, artifact: { kind: 'docker-image', id: ID } }),
      ),
    ),
  ],
  [
    'verify, ECDSA P-256 (a KMS signature; public key already fetched)',
    ms(
      await median(200, () =>
        verifyVerdict(ecBytes, { trust: ecTrust, artifact: { kind: 'docker-image', id: ID } }),
      ),
    ),
  ],
  [
    'sha256 of the envelope (the attestation digest tags and records cite)',
    ms(await median(200, () => createHash('sha256').update(edBytes).digest())),
  ],
];
for (const [k, val] of rows) console.log(`| ${k} | ${val} |`);
console.log(
  `\n(host: ${(await import('node:os')).cpus().length} cores, load average ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}; key id example ${keyIdOf(ed.publicKey).slice(0, 16)}…)`,
);
