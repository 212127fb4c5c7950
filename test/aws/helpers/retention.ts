import { PacedCaller } from '../../../src/aws/call.js';
import { AwsClients } from '../../../src/aws/clients.js';
import { Pacer } from '../../../src/aws/pace.js';
import type { RetentionAws } from '../../../src/retention/context.js';
import type { Scope } from '../../../src/retention/model.js';

const unlimited = { rate: 1e9, burst: 1e9 };

/**
 * Retention's AWS context as prune builds it: real clients (AWS_ENDPOINT_URL → the test proxy),
 * without the SDK's own retries (its backoff sleeps for real), so the caller's retries are the
 * ones counted; unpaced, with no waits.
 */
export function retentionAws(): RetentionAws {
  return {
    clients: new AwsClients({ maxAttempts: 1 }),
    caller: new PacedCaller(new Pacer({ describe: unlimited, mutate: unlimited, copy: unlimited }), {
      sleep: async () => {},
      random: () => 0,
    }),
  };
}

/** An account's scope in `region`, reached through the `prune` role the seeded worlds create. */
export function pruneScope(account: string, region: string): Scope {
  return { account, region, roleArn: `arn:aws:iam::${account}:role/prune` };
}
