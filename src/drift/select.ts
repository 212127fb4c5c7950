/** Which hosts a drift run checks: containers by label, an inventory file, EC2 instances. */
import { readFileSync } from 'node:fs';
import Dockerode from 'dockerode';
import { AwsClients } from '../aws/clients.js';
import { UserError } from '../core/errors.js';
import { parseInventory } from './inventory.js';
import type { Host } from './model.js';
import { checkLabel, containersByLabel } from './select-docker.js';
import { type Ec2Selection, instancesOf } from './select-ec2.js';

export interface Selection {
  labels: readonly string[];
  inventory?: string;
  ec2?: Ec2Selection;
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
  if (sel.ec2) hosts.push(...(await instancesOf(deps.aws(), sel.ec2)));
  // The same container may be both labelled and listed: check it once.
  const seen = new Set<string>();
  return hosts.filter((h) => {
    if (seen.has(h.target)) return false;
    seen.add(h.target);
    return true;
  });
}
