#!/usr/bin/env node
// Boot time of the docker target, median of N boots (each torn down). After \`npm run build\`:
//   node bench/transports/boot.mjs ../../dist/targets/docker-target.js IMAGE [N]
// IMAGE: a service (its command keeps running), a one-shot (exits 0 at once: kept alive), or a
// plain OS image. The integration test test/integration/docker-target.test.ts builds such images.
const [mod, img, n] = process.argv.slice(2);
const { DockerTarget } = await import(mod);
const times = [];
for (let i = 0; i < Number(n ?? 5); i++) {
  const t = new DockerTarget({ mark: { runId: 'cost-boot', ttlSeconds: 600 } });
  const t0 = performance.now();
  const b = await t.boot({ kind: 'docker-image', id: img, reference: img });
  times.push(Math.round(performance.now() - t0));
  await t.teardown();
  if (i === 0) console.log(b.describe.keptAlive);
}
times.sort((a, b) => a - b);
console.log(mod.split('/').pop(), img, 'boot ms', times.join(' '), 'median', times[times.length >> 1]);
