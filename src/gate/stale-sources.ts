import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import Docker from 'dockerode';
import { paginate } from '../aws/call.js';
import { AwsClients } from '../aws/clients.js';
import { THROTTLING, withRetry } from '../aws/retry.js';
import { loadTemplate } from '../template/load.js';
import type { StaleDeps } from './stale.js';

/** Where `plan --stale` looks bases up: EC2 DescribeImages and the registry behind the engine. */
export function liveStaleDeps(clients = new AwsClients()): StaleDeps {
  return {
    loadTemplate: (path) => loadTemplate(path),
    async newestAmi(query, region) {
      const ec2 = clients.ec2({ region });
      let newest: { id: string; created: string } | undefined;
      await paginate(
        (token) =>
          withRetry(
            () =>
              ec2.send(
                new DescribeImagesCommand({
                  Filters: query.filters,
                  ...(query.owners.length ? { Owners: query.owners } : {}),
                  ...(token ? { NextToken: token } : {}),
                }),
              ),
            { retryOn: THROTTLING },
          ),
        (page) => {
          for (const img of page.Images ?? []) {
            // Packer's most_recent: the newest CreationDate wins (ISO 8601 sorts as text).
            const created = img.CreationDate ?? '';
            if (img.ImageId && (!newest || created > newest.created)) newest = { id: img.ImageId, created };
          }
        },
      );
      return newest?.id;
    },
    async dockerDigest(reference) {
      // The engine asks the registry for the tag's manifest digest without pulling anything.
      const info = await new Docker().getImage(reference).distribution();
      return info.Descriptor.digest;
    },
  };
}
