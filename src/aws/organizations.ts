import {
  type Account,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { organizationOfArn } from './arn.js';
import { THROTTLING, withRetry } from './retry.js';

export interface OrgAccount {
  id: string;
  name?: string;
  status: string;
  /** `arn:aws:organizations::MGMT:account/o-…/ID`: names the organization the account is in. */
  arn?: string;
}

/**
 * The one organization all these accounts belong to, from their ARNs; undefined when an ARN is
 * missing or they disagree (callers then treat every organization share as foreign).
 */
export function organizationOf(accounts: OrgAccount[]): string | undefined {
  const ids = new Set(accounts.map((a) => (a.arn ? organizationOfArn(a.arn) : undefined)));
  const [only] = ids;
  return ids.size === 1 ? only : undefined;
}

const retry = { retryOn: [...THROTTLING, 'TooManyRequestsException'] };

/** Every ACTIVE account in the organization (paginated). */
export async function listActiveAccounts(org: OrganizationsClient): Promise<OrgAccount[]> {
  const out: Account[] = [];
  let NextToken: string | undefined;
  do {
    const page = await withRetry(() => org.send(new ListAccountsCommand({ NextToken })), retry);
    out.push(...(page.Accounts ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return active(out);
}

/**
 * ACTIVE accounts under an OU (by id `ou-…` or ARN), recursing into child OUs. Paginates both
 * listings; an OU that appears twice is visited once.
 */
export async function listActiveAccountsInOu(org: OrganizationsClient, ou: string): Promise<OrgAccount[]> {
  const root = ou.includes('/') ? (ou.split('/').pop() as string) : ou;
  const seen = new Set<string>();
  const accounts: Account[] = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift() as string;
    if (seen.has(parent)) continue;
    seen.add(parent);
    let token: string | undefined;
    do {
      const page = await withRetry(
        () => org.send(new ListAccountsForParentCommand({ ParentId: parent, NextToken: token })),
        retry,
      );
      accounts.push(...(page.Accounts ?? []));
      token = page.NextToken;
    } while (token);
    token = undefined;
    do {
      const page = await withRetry(
        () =>
          org.send(
            new ListChildrenCommand({ ParentId: parent, ChildType: 'ORGANIZATIONAL_UNIT', NextToken: token }),
          ),
        retry,
      );
      for (const c of page.Children ?? []) if (c.Id) queue.push(c.Id);
      token = page.NextToken;
    } while (token);
  }
  return active(accounts);
}

function active(accounts: Account[]): OrgAccount[] {
  const byId = new Map<string, OrgAccount>();
  for (const a of accounts) {
    // `State` replaces the deprecated `Status`; accept either.
    const status = String((a as { State?: string }).State ?? a.Status ?? 'UNKNOWN');
    if (!a.Id || status !== 'ACTIVE') continue;
    byId.set(a.Id, {
      id: a.Id,
      status,
      ...(a.Name ? { name: a.Name } : {}),
      ...(a.Arn ? { arn: a.Arn } : {}),
    });
  }
  return [...byId.values()].sort((x, y) => x.id.localeCompare(y.id));
}
