#!/usr/bin/env node
// Seed a local AWS emulator (moto) with a small organization so `imagegate prune` and
// `imagegate promote` can be tried before pointing them at AWS. See docs/prune.md and
// docs/promote.md, "Try it locally".
//
//   npm run build && node scripts/moto-demo.mjs     # prints the environment to use, then waits
//
// It starts its own moto on 127.0.0.1:5010 (../shared/moto/up.sh, under libfaketime so images
// can be 400 days old: the only way moto gives an image an old CreationDate), wipes it, and
// writes imagegate.yaml and a passing verdict to /tmp/imagegate-demo/. moto has no EC2 Image
// Builder and no DataType filter for SSM DescribeParameters; prune would report those sources
// as unreadable (and so retire nothing), so this script also serves them on 127.0.0.1:5011
// until you press Ctrl-C.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  EC2Client,
  RegisterImageCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PORT = Number(process.env.IMAGEGATE_DEMO_PORT ?? 5010);
const CLOCK = '/tmp/imagegate-demo-clock';
const DEMO = '/tmp/imagegate-demo';
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012'; // moto's default account: the one plain credentials act in

const up = process.env.IMAGEGATE_MOTO_UP ?? join(ROOT, '..', 'shared', 'moto', 'up.sh');
if (!existsSync(up)) {
  console.error(
    `moto-demo: ${up} not found. Start moto yourself under libfaketime, e.g.\n` +
      `  pip install 'moto[server]' && apt-get install faketime\n` +
      `  echo +0 > ${CLOCK}; LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 ` +
      `FAKETIME_TIMESTAMP_FILE=${CLOCK} FAKETIME_NO_CACHE=1 moto_server -p ${PORT} &\n` +
      'then run this script again with IMAGEGATE_DEMO_STARTED=1',
  );
  if (!process.env.IMAGEGATE_DEMO_STARTED) process.exit(2);
}
const endpoint = process.env.IMAGEGATE_DEMO_STARTED
  ? `http://127.0.0.1:${PORT}`
  : execFileSync(up, [String(PORT)], {
      env: { ...process.env, MOTO_FAKETIME_FILE: CLOCK, MOTO_RUN: '/tmp/imagegate-demo-moto' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });

const client = (Ctor) =>
  new Ctor({ region: REGION, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
const ec2 = client(EC2Client);
const ssm = client(SSMClient);

/** Register an image `days` old: moto stamps its own clock, moved for this one request. */
async function image(name, days, tags = {}) {
  writeFileSync(CLOCK, `-${days}d\n`);
  let id;
  try {
    id = (await ec2.send(new RegisterImageCommand({ Name: name }))).ImageId;
  } finally {
    writeFileSync(CLOCK, '+0\n');
  }
  const Tags = Object.entries({ 'imagegate:family': name.split('-')[0], ...tags }).map(([Key, Value]) => ({
    Key,
    Value,
  }));
  await ec2.send(new CreateTagsCommand({ Resources: [id], Tags }));
  return id;
}

const web = {
  new: await image('web-20261201', 4),
  recent: await image('web-20261120', 15),
  running: await image('web-20250901', 460),
  template: await image('web-20250801', 490),
  prod: await image('web-20250701', 520, { Stage: 'prod' }),
  old1: await image('web-20250601', 550),
  old2: await image('web-20250501', 580),
};
await ec2.send(new RunInstancesCommand({ ImageId: web.running, MinCount: 1, MaxCount: 1 }));
const lt = await ec2.send(
  new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { ImageId: web.new } }),
);
await ec2.send(
  new CreateLaunchTemplateVersionCommand({
    LaunchTemplateId: lt.LaunchTemplate.LaunchTemplateId,
    LaunchTemplateData: { ImageId: web.template },
  }),
);
await ssm.send(new PutParameterCommand({ Name: '/golden/web/current', Value: web.new, Type: 'String' }));

mkdirSync(join(DEMO, '.imagegate', 'verdicts'), { recursive: true });
writeFileSync(
  join(DEMO, 'imagegate.yaml'),
  `retention:
  regions: [${REGION}]
  keepNewest: 2
  keepYoungerThanDays: 14
  retainAtLeast: 2
  ssmParameters: [/golden/]
stages:
  prod:
    trust: [local-dev]
    regions: [${REGION}, us-east-1]
    ssmParameter: /images/web/prod
    tags: { Team: platform }
`,
);
// A passing verdict for the newest image, signed with the demo's development key as
// \`imagegate test\` signs it (the stage trusts \`local-dev\`).
const { writeSignedVerdict } = await import(join(ROOT, 'dist/evidence/sign.js'));
const { signerFor } = await import(join(ROOT, 'dist/evidence/setup.js'));
const at = new Date().toISOString();
await writeSignedVerdict(
  join(DEMO, '.imagegate', 'verdicts'),
  {
    schema: 'imagegate.verdict/v1',
    artifact: { kind: 'ami', id: web.new, region: REGION, reference: web.new },
    git: { sha: '0'.repeat(40), dirty: false },
    suites: [],
    target: { kind: 'ec2' },
    timings: { startedAt: at, finishedAt: at },
    passed: true,
    promotions: [],
    tool: { name: 'imagegate', version: 'demo' },
  },
  signerFor('local-dev', { configDir: DEMO, stateDir: join(DEMO, '.imagegate') }),
);

// Two things moto lacks, served here for the demo only (the product is not changed to fit moto):
// EC2 Image Builder (answered empty), and SSM DescribeParameters' DataType filter (moto rejects
// it; AWS supports it): SSM is forwarded to moto with that filter applied here instead.
const body = (req) =>
  new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
const gaps = createServer(async (req, res) => {
  const text = await body(req);
  const target = String(req.headers['x-amz-target'] ?? '');
  if (!target.startsWith('AmazonSSM.')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      req.url?.startsWith('/ListImagePipelines')
        ? '{"imagePipelineList":[]}'
        : '{"imageRecipeSummaryList":[]}',
    );
    return;
  }
  const input = text ? JSON.parse(text) : {};
  const dataType = (input.ParameterFilters ?? []).find((f) => f.Key === 'DataType')?.Values;
  if (dataType) input.ParameterFilters = input.ParameterFilters.filter((f) => f.Key !== 'DataType');
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
  );
  const up = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(input) });
  let out = await up.text();
  if (up.ok && dataType) {
    const parsed = JSON.parse(out);
    parsed.Parameters = (parsed.Parameters ?? []).filter((p) => dataType.includes(p.DataType ?? 'text'));
    out = JSON.stringify(parsed);
  }
  res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
  res.end(out);
});
gaps.listen(PORT + 1, '127.0.0.1');

console.log(`# account ${ACCOUNT}, ${REGION}: 7 images of family "web" (${web.new} newest), one running instance,
# a launch template whose version 2 names an old image, an SSM parameter, a Stage=prod image.
export AWS_ENDPOINT_URL=${endpoint} AWS_ENDPOINT_URL_IMAGEBUILDER=http://127.0.0.1:${PORT + 1} AWS_ENDPOINT_URL_SSM=http://127.0.0.1:${PORT + 1}
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=${REGION}
cd ${DEMO}
# then: imagegate prune            imagegate promote ${web.new} --to prod --dry-run
# (serving what moto lacks on port ${PORT + 1} until Ctrl-C)`);
