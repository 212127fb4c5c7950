/** One line per planned action, for `--dry-run` and progress: what, where, and as whom. */
import type { AwsAction, ImageSlot, RegistryAction } from './plan.js';
import type { PromotionPlan } from './run.js';

const at = (s: ImageSlot) => `${s.account}/${s.region}`;
const tagList = (tags: Record<string, string>) =>
  Object.keys(tags).length > 4
    ? `${Object.keys(tags).length} tags`
    : Object.entries(tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');

export function describeAction(a: AwsAction | RegistryAction): string {
  switch (a.kind) {
    case 'copy':
      return (
        `copy ${at(a.from)} → ${at(a.target)} as "${a.name}"` +
        `${a.encrypted ? `, encrypted${a.kmsKeyId ? ` with ${a.kmsKeyId}` : ''}` : ''}` +
        `${a.role ? ` (as ${a.role})` : ''}`
      );
    case 'wait':
      return `wait until the image in ${at(a.image)} is available`;
    case 'tag':
      return `tag the image in ${at(a.image)}${a.as === a.image.account ? '' : ` as seen by ${a.as} (via ${a.role})`}: ${tagList(a.tags)}`;
    case 'share-launch': {
      const who = [...a.add.accounts, ...a.add.organizationArns, ...a.add.ouArns].join(', ');
      return `grant launch permission on the image in ${at(a.image)} to ${who}`;
    }
    case 'share-snapshots':
      return `grant createVolumePermission on the snapshots in ${at(a.image)} to ${a.accounts.join(', ')}`;
    case 'ssm':
      return `set SSM parameter ${a.name} in ${a.region} to the image in ${at(a.image)}`;
    case 'push':
      return `push to ${a.repository}:${a.tag}`;
    case 'verify':
      return `verify ${a.repository}:${a.tag} holds image ${a.imageId}`;
    case 'retag':
      return `point ${a.repository}:${a.tag} at the verified digest`;
  }
}

export function describePlan(plan: PromotionPlan): string[] {
  const lines: string[] = [];
  if (plan.kind === 'aws') {
    lines.push(`source: ${plan.source.imageId} in ${at(plan.source)}`);
    lines.push(`recipients (${plan.recipients.length}):`);
    for (const r of plan.recipients) lines.push(`  ${r.account}  ${r.via.join(', ')}`);
  } else {
    lines.push(`repository: ${plan.repository} (tags: ${[plan.identityTag, ...plan.tags].join(', ')})`);
  }
  lines.push(`actions (${plan.actions.length}):`);
  plan.actions.forEach((a, i) => {
    lines.push(`  ${String(i + 1).padStart(2)}. ${describeAction(a)}`);
  });
  return lines;
}
