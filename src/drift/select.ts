/** Which hosts a drift run checks: containers by label, an inventory file, EC2 instances. */
import { readFileSync } from 'node:fs';
import Dockerode from 'dockerode';
import { AwsClients, roleFor } from '../aws/clients.js';
import { listActiveAccounts, listActiveAccountsInOu } from '../aws/organizations.js';
import { UserError } from '../core/errors.js';
import { mapLimit } from '../core/pool.js';
import { parseInventory } from './inventory.js';
import type { Host } from './model.js';
import { checkLabel, containersByLabel } from './select-docker.js';
import { type Ec2Selection, instancesOf } from './select-ec2.js';

export interface Selection {
  labels: readonly string[];
  inventory?: string;
  ec2?: Ec2Selection;
  /** Fan EC2 selection out over accounts (ids, or every ACTIVE one of the organization / an OU). */
  accounts?: AccountSelection;
}

export interface AccountSelection {
  accounts: string[] | 'organization';
  ou?: string;
  /** Role to assume in each account, `{account}` replaced (as `prune --role`). */
  role: string;
}

/** Account ids to fan out over: as given, or the ACTIVE accounts of the organization (or an OU). */
async function accountIds(clients: AwsClients, sel: AccountSelection): Promise<string[]> {
  if (sel.accounts !== 'organization') return [...new Set(sel.accounts)].sort();
  try {
    const org = clients.organizations();
    const listed = sel.ou ? await listActiveAccountsInOu(org, sel.ou) : await listActiveAccounts(org);
    return listed.map((a) => a.id).sort();
  } catch (err) {
    throw new UserError(
      `--accounts organization: listing the organization's accounts failed: ${(err as Error).message}`,
      3,
    );
  }
}

export function describeMissingSelection(): string {
  return 'no hosts selected: pass --label KEY=VALUE (containers), --inventory FILE, or --region REGION with --tag/--asg (EC2); see `imagegate drift --help`';
}

export async function selectHosts(
  sel: Selection,
  deps: { docker: () => Dockerode; aws: () => AwsClients } = {
    docker: () => new Dockerode(),
    aws: () => new AwsClients(),
  },
): Promise<Host[]> {
  if (sel.labels.length === 0 && sel.inventory === undefined && sel.ec2 === undefined)
    throw new UserError(describeMissingSelection());
  const hosts: Host[] = [];
  if (sel.inventory !== undefined) {
    let text: string;
    try {
      text = readFileSync(sel.inventory, 'utf8');
    } catch (err) {
      throw new UserError(
        `--inventory ${sel.inventory}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    hosts.push(...parseInventory(sel.inventory, text));
  }
  if (sel.labels.length > 0)
    hosts.push(...(await containersByLabel(deps.docker(), sel.labels.map(checkLabel))));
  if (sel.ec2) {
    const clients = deps.aws();
    const ec2 = sel.ec2;
    if (!sel.accounts) hosts.push(...(await instancesOf(clients, ec2)));
    else {
      const ids = await accountIds(clients, sel.accounts);
      const role = sel.accounts.role;
      const per = await mapLimit(ids, 4, (id) =>
        instancesOf(clients, { ...ec2, account: { id, roleArn: roleFor(role, id) } }),
      );
      hosts.push(...per.flat());
    }
  }
  // The same container may be both labelled and listed: check it once.
  const seen = new Set<string>();
  return hosts.filter((h) => {
    if (seen.has(h.target)) return false;
    seen.add(h.target);
    return true;
  });
}
