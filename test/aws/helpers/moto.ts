/**
 * The moto server the `aws` project runs against: where it is, a check that it answers, state
 * resets, and SDK clients that act in a chosen account (moto keeps state per account).
 *
 * The endpoint comes from IMAGEGATE_MOTO_ENDPOINT, else the well-known http://127.0.0.1:5000 that
 * scripts/setup-host.sh starts. A server that does not answer is a loud failure, never a skip:
 * in CI it means setup broke, and locally the message says how to start one.
 */
export const MOTO_ENDPOINT = process.env.IMAGEGATE_MOTO_ENDPOINT ?? 'http://127.0.0.1:5000';
/** The account moto answers as for plain credentials: the organization's management account. */
export const MANAGEMENT = '123456789012';

export const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

const HOW = 'start it with `bash scripts/setup-host.sh` (or `../shared/moto/up.sh 5000`)';

/** Throws unless moto answers STS at the endpoint. */
export async function requireMoto(endpoint = MOTO_ENDPOINT): Promise<void> {
  let ok = false;
  try {
    const res = await fetch(`${endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
      signal: AbortSignal.timeout(10_000),
    });
    ok = res.ok && (await res.text()).includes('<Account>');
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new Error(
      `no moto server answers at ${endpoint}${process.env.CI ? ' (CI: .ci/run should have started it)' : ''}: ${HOW}`,
    );
  }
}

/** Wipe every account and region (fast, no restart). */
export async function resetMoto(endpoint = MOTO_ENDPOINT): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
}

interface Stackable {
  middlewareStack: {
    add(
      mw: (
        next: (args: { request: unknown }) => Promise<unknown>,
      ) => (args: { request: unknown }) => Promise<unknown>,
      opts: { step: 'build'; name: string },
    ): void;
  };
}

/**
 * A client of service `Ctor` acting in `account` (moto's x-moto-account-id header), for seeding
 * and inspecting state without assuming roles. The product never uses this: it assumes roles.
 */
export function clientIn<C>(
  Ctor: new (config: Record<string, unknown>) => C,
  account: string,
  region: string,
  endpoint = MOTO_ENDPOINT,
): C {
  const client = new Ctor({ region, endpoint, credentials: CREDENTIALS, maxAttempts: 2 });
  // Every SDK v3 client has a middleware stack; the constructors' own types differ per service.
  (client as unknown as Stackable).middlewareStack.add(
    (next) => (args) => {
      const req = args.request as { headers?: Record<string, string> };
      if (req.headers) req.headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return client;
}

/** Environment for the product under test: the endpoint, dummy credentials, a home region. */
export function awsEnv(endpoint: string, region = 'eu-west-1'): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: region,
  };
}

/** Set `env` on process.env (the in-process CLI reads it); returns a restore function. */
export function useEnv(env: Record<string, string>): () => void {
  const before = new Map(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  // A profile or a real session token on the host must not leak into the emulator's requests.
  const dropped = new Map(['AWS_PROFILE', 'AWS_SESSION_TOKEN'].map((k) => [k, process.env[k]] as const));
  for (const k of dropped.keys()) delete process.env[k];
  return () => {
    for (const [k, v] of [...before, ...dropped]) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
