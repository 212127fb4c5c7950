import {
  DescribeFleetsCommand,
  DescribeSpotFleetRequestsCommand,
  DescribeSpotInstanceRequestsCommand,
} from '@aws-sdk/client-ec2';
import { paginate } from '../../aws/call.js';
import { awsScope, paceKey, type RetentionAws } from '../context.js';
import type { Scope, UsageRef } from '../model.js';

/** Spot requests that may still launch: open (waiting) or active (a persistent one relaunches). */
const SPOT_REQUEST_STATES = ['open', 'active'];
/** Fleets that still launch or replace instances. */
const FLEET_STATES = new Set(['submitted', 'active', 'modifying']);
const PAGE = 1000;

/**
 * Spot instance requests, Spot Fleet requests and EC2 Fleets that name an AMI directly (launch
 * specifications or launch template overrides). Fleets that only name a launch template are
 * covered by the launch template source, which holds every version.
 */
export async function fleetUsage(aws: RetentionAws, scope: Scope): Promise<UsageRef[]> {
  const ec2 = aws.clients.ec2(awsScope(scope));
  const key = paceKey(scope);
  const at = { account: scope.account, region: scope.region };
  const out: UsageRef[] = [];
  await paginate(
    (NextToken) =>
      aws.caller.call(key, 'describe', 'ec2:DescribeSpotInstanceRequests', () =>
        ec2.send(
          new DescribeSpotInstanceRequestsCommand({
            Filters: [{ Name: 'state', Values: SPOT_REQUEST_STATES }],
            MaxResults: PAGE,
            NextToken,
          }),
        ),
      ),
    (page) => {
      for (const r of page.SpotInstanceRequests ?? []) {
        const imageId = r.LaunchSpecification?.ImageId;
        if (!imageId || !SPOT_REQUEST_STATES.includes(String(r.State))) continue;
        out.push({
          imageId,
          source: 'spot-request',
          ref: `${r.SpotInstanceRequestId ?? '?'} (${r.Type ?? 'one-time'}, ${r.State})`,
          ...at,
        });
      }
    },
  );
  await paginate(
    (NextToken) =>
      aws.caller.call(key, 'describe', 'ec2:DescribeSpotFleetRequests', () =>
        ec2.send(new DescribeSpotFleetRequestsCommand({ MaxResults: PAGE, NextToken })),
      ),
    (page) => {
      for (const f of page.SpotFleetRequestConfigs ?? []) {
        if (!FLEET_STATES.has(String(f.SpotFleetRequestState))) continue;
        const cfg = f.SpotFleetRequestConfig;
        // Spot Fleet template overrides cannot name an AMI; only launch specifications do.
        const ids = (cfg?.LaunchSpecifications ?? []).map((s) => s.ImageId);
        for (const imageId of new Set(ids)) {
          if (imageId) out.push({ imageId, source: 'spot-fleet', ref: f.SpotFleetRequestId ?? '?', ...at });
        }
      }
    },
  );
  await paginate(
    (NextToken) =>
      aws.caller.call(key, 'describe', 'ec2:DescribeFleets', () =>
        ec2.send(new DescribeFleetsCommand({ MaxResults: PAGE, NextToken })),
      ),
    (page) => {
      for (const f of page.Fleets ?? []) {
        if (!FLEET_STATES.has(String(f.FleetState))) continue;
        const ids = (f.LaunchTemplateConfigs ?? []).flatMap((c) => (c.Overrides ?? []).map((o) => o.ImageId));
        for (const imageId of new Set(ids)) {
          if (imageId)
            out.push({ imageId, source: 'ec2-fleet', ref: `${f.FleetId ?? '?'} (${f.Type})`, ...at });
        }
      }
    },
  );
  return out;
}
