// A small stand-in for the httpbin service goss's integration suite talks to, with only the
// endpoints that suite uses: /headers, /anything, /put and /basic-auth/USER/PASSWORD. Answers
// are JSON indented by two spaces (`"Name": "value"`), as httpbin prints them. Plain
// JavaScript so this machine's node runs it inside a container without a build step:
//   node httpbin-standin.mjs [port]
// It logs `METHOD URL via=VIA` per request on standard output.
import { createServer } from 'node:http';

/** `user-agent` → `User-Agent`, the spelling httpbin reports. */
const canonical = (name) =>
  name
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('-');

function headersOf(req) {
  const out = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    out[canonical(req.rawHeaders[i].toLowerCase())] = req.rawHeaders[i + 1];
  return out;
}

function send(res, status, body, extra = {}) {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...extra,
  });
  res.end(text);
}

function echo(req, data) {
  let json = null;
  try {
    json = JSON.parse(data);
  } catch {}
  const url = new URL(req.url, `http://${req.headers.host ?? 'httpbin'}`);
  return {
    args: Object.fromEntries(url.searchParams),
    data,
    files: {},
    form: {},
    headers: headersOf(req),
    json,
    method: req.method,
    origin: req.socket.remoteAddress,
    url: url.href,
  };
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    // One line per request, so a test can see which ones came through a proxy (its Via header).
    process.stdout.write(`${req.method} ${req.url} via=${req.headers.via ?? '-'}\n`);
    const data = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url, 'http://x').pathname;
    const auth = /^\/basic-auth\/([^/]+)\/([^/]+)$/.exec(path);
    if (path === '/headers') return send(res, 200, { headers: headersOf(req) });
    if (path === '/anything' || path.startsWith('/anything/')) return send(res, 200, echo(req, data));
    if (path === '/put') {
      if (req.method !== 'PUT') return send(res, 405, { error: 'method not allowed' });
      return send(res, 200, echo(req, data));
    }
    if (auth) {
      const want = `Basic ${Buffer.from(`${auth[1]}:${auth[2]}`).toString('base64')}`;
      if (req.headers.authorization === want) return send(res, 200, { authenticated: true, user: auth[1] });
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Fake Realm"' });
      return res.end();
    }
    send(res, 404, { error: 'not found' });
  });
});
server.listen(Number(process.argv[2] ?? 80), () => process.stdout.write('listening\n'));
