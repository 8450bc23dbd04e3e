/**
 * The member stack in every member account (issue #23), as a service-managed CloudFormation StackSet the
 * central stack owns: AutoDeployment puts it into each account that joins a targeted organizational unit
 * (and removes it from one that leaves), so a new account is covered without a change here.
 *
 * The template is inlined (TemplateBody), synthesized from the same class as the app's member stack
 * (../stacks/member-stack.ts memberStackTemplate). Why not a TemplateURL to a CDK file asset: StackSets
 * read a TemplateURL once per operation, also for AutoDeployment long after the deploy, and the asset
 * bucket's objects are the bootstrap's to expire; the template is a role and its policies, well within
 * TemplateBody's 51,200 bytes; and inline, the central template says exactly what every member account
 * receives, which assertions and a reviewer can read.
 *
 * Targets (DeploymentTargets): organizational units as given, minus `excludedAccounts` (AccountFilterType
 * DIFFERENCE); named accounts through the root, filtered to them (INTERSECTION), because a create names
 * OUs, never accounts alone, and UNION is refused on create for a StackSet resource. One region: the
 * central stack's. The stack holds only IAM, which is global: a second region would create the same
 * role name again and fail (EntityAlreadyExists).
 */
import { Aws, CfnOutput, CfnStackSet, Fn } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { OrganizationConfig } from '../../shared/config-organization';
import { MEMBER_PARAMETERS, type MemberStackProps, memberStackName, memberStackTemplate } from '../stacks/member-stack';

export interface MemberStackSetProps {
  config: MemberStackProps['config'];
  /** The roles of the central functions that assume the member role. */
  pipelineRoles: readonly IRole[];
  backupBucket: IBucket;
}

export class MemberStackSet extends Construct {
  readonly stackSet: CfnStackSet;

  constructor(scope: Construct, id: string, props: MemberStackSetProps) {
    super(scope, id);
    const { config, pipelineRoles, backupBucket } = props;
    const roleArns = Fn.join(
      ',',
      pipelineRoles.map((role) => role.roleArn),
    );
    this.stackSet = new CfnStackSet(this, 'StackSet', {
      stackSetName: memberStackName(config.stackName),
      description: `${config.stackName}: the role its backup pipeline assumes in each member account`,
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: config.organization.callAs,
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      // Every account at once, and one account's failure (a role of that name already there) never holds
      // the others back: the pipeline records an account whose role it cannot assume as a failed
      // discovery of that account and alarms on it (issue #23 item 2), which is where an operator looks.
      operationPreferences: {
        maxConcurrentPercentage: 100,
        failureTolerancePercentage: 100,
        regionConcurrencyType: 'PARALLEL',
      },
      templateBody: memberStackTemplate(scope, config),
      parameters: [
        { parameterKey: MEMBER_PARAMETERS.centralAccountId, parameterValue: Aws.ACCOUNT_ID },
        { parameterKey: MEMBER_PARAMETERS.pipelineRoleArns, parameterValue: roleArns },
        { parameterKey: MEMBER_PARAMETERS.pipelineRegion, parameterValue: Aws.REGION },
        { parameterKey: MEMBER_PARAMETERS.backupBucketArn, parameterValue: backupBucket.bucketArn },
      ],
      stackInstancesGroup: deploymentTargets(config.organization).map((deploymentTargets) => ({
        deploymentTargets,
        regions: [Aws.REGION],
      })),
    });
    // What a member stack deployed by hand (`cdk deploy <stack>-member`) takes as PipelineRoleArns.
    new CfnOutput(scope, 'MemberTrustedRoleArns', { value: roleArns });
  }
}

/** The StackSet's deployment targets for the configured units and accounts, one group per kind. */
export function deploymentTargets(org: OrganizationConfig): CfnStackSet.DeploymentTargetsProperty[] {
  const units: CfnStackSet.DeploymentTargetsProperty[] = org.organizationalUnits
    ? [
        {
          organizationalUnitIds: org.organizationalUnits,
          ...(org.excludedAccounts.length > 0
            ? { accounts: org.excludedAccounts, accountFilterType: 'DIFFERENCE' }
            : { accountFilterType: 'NONE' }),
        },
      ]
    : [];
  const accounts: CfnStackSet.DeploymentTargetsProperty[] =
    org.accounts && org.rootId
      ? [{ organizationalUnitIds: [org.rootId], accounts: org.accounts, accountFilterType: 'INTERSECTION' }]
      : [];
  return [...units, ...accounts];
}
