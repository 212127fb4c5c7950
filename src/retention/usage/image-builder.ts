import {
  GetImageRecipeCommand,
  ListImagePipelinesCommand,
  ListImageRecipesCommand,
} from '@aws-sdk/client-imagebuilder';
import { mapLimit } from '../../core/pool.js';
import { awsScope, paceKey, type RetentionAws } from '../context.js';
import type { Scope, UsageRef } from '../model.js';
import { IN_FLIGHT } from './launch-permissions.js';

const PAGE = 100;
/** Images AWS publishes (`…:aws:image/…`): never one of ours. */
const AWS_MANAGED = /^arn:[^:]+:imagebuilder:[^:]*:aws:image\//;

/**
 * EC2 Image Builder recipes whose parent image is an AMI: the account's own recipes, and any
 * recipe one of its pipelines builds from (a pipeline may use a recipe shared from elsewhere).
 * A parent that is neither an AMI id nor an AWS-managed image (an `ssm:` parameter, an image of
 * ours by ARN) cannot be resolved here, so the source fails closed rather than guess.
 */
export async function imageBuilderUsage(aws: RetentionAws, scope: Scope): Promise<UsageRef[]> {
  const ib = aws.clients.imageBuilder(awsScope(scope));
  const key = paceKey(scope, 'imagebuilder');
  const recipes = new Map<string, string[]>(); // recipe ARN → pipelines using it
  let nextToken: string | undefined;
  do {
    const page = await aws.caller.call(key, 'describe', 'imagebuilder:ListImageRecipes', () =>
      ib.send(new ListImageRecipesCommand({ owner: 'Self', maxResults: PAGE, nextToken })),
    );
    for (const r of page.imageRecipeSummaryList ?? [])
      if (r.arn) recipes.set(r.arn, recipes.get(r.arn) ?? []);
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  do {
    const page = await aws.caller.call(key, 'describe', 'imagebuilder:ListImagePipelines', () =>
      ib.send(new ListImagePipelinesCommand({ maxResults: PAGE, nextToken })),
    );
    for (const p of page.imagePipelineList ?? []) {
      if (!p.imageRecipeArn) continue;
      recipes.set(p.imageRecipeArn, [...(recipes.get(p.imageRecipeArn) ?? []), p.name ?? p.arn ?? '?']);
    }
    nextToken = page.nextToken || undefined;
  } while (nextToken);

  const out: UsageRef[] = [];
  await mapLimit([...recipes], IN_FLIGHT, async ([imageRecipeArn, pipelines]) => {
    const res = await aws.caller.call(key, 'describe', 'imagebuilder:GetImageRecipe', () =>
      ib.send(new GetImageRecipeCommand({ imageRecipeArn })),
    );
    const parent = res.imageRecipe?.parentImage ?? '';
    const name = res.imageRecipe?.name ?? imageRecipeArn;
    if (/^ami-[0-9a-f]+$/.test(parent)) {
      const used = pipelines.length ? ` (pipelines ${[...pipelines].sort().join(', ')})` : '';
      out.push({
        imageId: parent,
        source: 'image-builder-recipe',
        ref: `${name}${used}`,
        account: scope.account,
        region: scope.region,
      });
    } else if (parent && !AWS_MANAGED.test(parent)) {
      throw new Error(`recipe ${name}: parent image ${parent} cannot be resolved to an AMI here`);
    }
  });
  return out;
}
