import {
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeComputeEnvironmentsCommand } from '@aws-sdk/client-batch';
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeFleetsCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSpotFleetRequestsCommand,
  DescribeSpotInstanceRequestsCommand,
  DisableImageCommand,
  EnableImageDeprecationCommand,
} from '@aws-sdk/client-ec2';
import { ListImagePipelinesCommand, ListImageRecipesCommand } from '@aws-sdk/client-imagebuilder';
import {
  DescribeParametersCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { PacedCaller } from '../../../src/aws/call.js';
import { AwsClients } from '../../../src/aws/clients.js';
import { Pacer } from '../../../src/aws/pace.js';
import { awsScope, type RetentionAws } from '../../../src/retention/context.js';
import { type Scope, scopeKey } from '../../../src/retention/model.js';
import { autoScalingRespond, ec2Respond, type ScopeData, ssmRespond } from '../../helpers/aws-world.js';

const unlimited = { rate: 1e9, burst: 1e9 };

/** Retention's AWS context over the fake world, one aws-sdk-client-mock per client instance. */
export function mockWorld(world: Array<[Scope, ScopeData]>) {
  const aws: RetentionAws = {
    clients: new AwsClients(),
    caller: new PacedCaller(new Pacer({ describe: unlimited, mutate: unlimited, copy: unlimited }), {
      sleep: async () => {},
      random: () => 0,
    }),
  };
  const mocks = new Map<string, ReturnType<typeof mocksFor>>();
  for (const [scope, data] of world) mocks.set(scopeKey(scope), mocksFor(aws, scope, data));
  return { aws, mocks };
}

function mocksFor(aws: RetentionAws, scope: Scope, d: ScopeData) {
  const ec2 = mockClient(aws.clients.ec2(awsScope(scope)));
  const e = (op: string) => async (input: object) => ec2Respond(d, op, input as Record<string, unknown>);
  ec2.on(DescribeImagesCommand).callsFake(e('DescribeImages'));
  ec2.on(DescribeInstancesCommand).callsFake(e('DescribeInstances'));
  ec2.on(DescribeLaunchTemplatesCommand).callsFake(e('DescribeLaunchTemplates'));
  ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake(e('DescribeLaunchTemplateVersions'));
  ec2.on(DescribeImageAttributeCommand).callsFake(e('DescribeImageAttribute'));
  ec2.on(EnableImageDeprecationCommand).callsFake(e('EnableImageDeprecation'));
  ec2.on(DisableImageCommand).callsFake(e('DisableImage'));
  ec2.on(DeregisterImageCommand).callsFake(e('DeregisterImage'));
  ec2.on(DeleteSnapshotCommand).callsFake(e('DeleteSnapshot'));
  ec2.on(DescribeSpotInstanceRequestsCommand).callsFake(e('DescribeSpotInstanceRequests'));
  ec2.on(DescribeSpotFleetRequestsCommand).callsFake(e('DescribeSpotFleetRequests'));
  ec2.on(DescribeFleetsCommand).callsFake(e('DescribeFleets'));
  const asg = mockClient(aws.clients.autoScaling(awsScope(scope)));
  const a = (op: string) => async (input: object) =>
    autoScalingRespond(d, op, input as Record<string, unknown>);
  asg.on(DescribeLaunchConfigurationsCommand).callsFake(a('DescribeLaunchConfigurations'));
  asg.on(DescribeAutoScalingGroupsCommand).callsFake(a('DescribeAutoScalingGroups'));
  const ssm = mockClient(aws.clients.ssm(awsScope(scope)));
  const s = (op: string) => async (input: object) => ssmRespond(d, op, input as Record<string, unknown>);
  ssm.on(GetParametersCommand).callsFake(s('GetParameters'));
  ssm.on(GetParametersByPathCommand).callsFake(s('GetParametersByPath'));
  ssm.on(DescribeParametersCommand).callsFake(s('DescribeParameters'));
  // Batch and Image Builder hold nothing in these worlds; the aws project covers them.
  const batch = mockClient(aws.clients.batch(awsScope(scope)));
  batch.on(DescribeComputeEnvironmentsCommand).resolves({ computeEnvironments: [] });
  const ib = mockClient(aws.clients.imageBuilder(awsScope(scope)));
  ib.on(ListImageRecipesCommand).resolves({ imageRecipeSummaryList: [] });
  ib.on(ListImagePipelinesCommand).resolves({ imagePipelineList: [] });
  return { ec2, asg, ssm };
}
