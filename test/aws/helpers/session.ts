/**
 * The setup every `aws` test file shares: one test proxy in front of moto per file, the
 * product's environment pointed at it, and a wiped moto and proxy before each test. Call
 * `useMoto()` at the top level of a file; its hooks run before the file's own.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { awsEnv, MOTO_ENDPOINT, resetMoto, useEnv } from './moto.js';
import { type MotoProxy, startMotoProxy } from './proxy.js';
import { MotoWorld } from './world.js';

export interface MotoSession {
  /** The proxy the product talks to (faults, call log, moto's gaps). */
  readonly proxy: MotoProxy;
  /** Seeding and inspecting moto directly, past the proxy. */
  readonly world: MotoWorld;
}

export function useMoto(opts: { region?: string } = {}): MotoSession {
  let proxy: MotoProxy | undefined;
  let world: MotoWorld | undefined;
  let restoreEnv = () => {};
  beforeAll(async () => {
    proxy = await startMotoProxy(MOTO_ENDPOINT);
    world = new MotoWorld(MOTO_ENDPOINT, proxy.age);
    restoreEnv = useEnv(awsEnv(proxy.endpoint, opts.region));
  });
  afterAll(async () => {
    restoreEnv();
    await proxy?.close();
  });
  beforeEach(async () => {
    await resetMoto();
    proxy?.reset();
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('useMoto: used outside a test (its beforeAll has not run)');
    return v;
  };
  return {
    get proxy() {
      return started(proxy);
    },
    get world() {
      return started(world);
    },
  };
}
