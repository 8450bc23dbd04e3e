/**
 * The member stack (issue #23): what each member account of the organization holds so the central
 * pipeline can back it up. One IAM role, `organization.memberRoleName`, that the central pipeline's
 * functions assume. It trusts the central account only for those functions' roles (aws:PrincipalArn) and
 * only from within the organization (aws:PrincipalOrgID), and it holds exactly the account-side grants the
 * central functions hold: the per-service data (shared/services/<svc>/permissions.ts) and the workflow's
 * account part, applied by the one function that grants them on the central stack too
 * (../constructs/permissions.ts grantPermissionSets), so least privilege is defined once.
 *
 * It is deployed by the central stack as a service-managed StackSet (../constructs/member-stack-set.ts),
 * which inlines this stack's template; the CDK app also defines it as a stack of its own, for an account
 * StackSets never reach (the management account) or a deployment by hand. What it needs of the central
 * stack comes in as parameters, so one template serves every member account.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aws, BootstraplessSynthesizer, CfnParameter, Stack, type StackProps, type Stage } from 'aws-cdk-lib';
import { AccountPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { PipelineConfig } from '../../shared/config';
import type { OrganizationConfig } from '../../shared/config-organization';
import { recoveryBucketNamePattern } from '../../shared/names';
import { SERVICE_PERMISSIONS } from '../../shared/services/catalog';
import {
  ACCOUNT,
  BACKUP_BUCKET_ARN,
  PARTITION,
  type PermissionSet,
  RECOVERY_BUCKETS,
  REGION,
  STACK_NAME,
} from '../../shared/services/permission-set';
import { fillerOf, grantPermissionSets } from '../constructs/permissions';
import { WORKFLOW_ACCOUNT_PERMISSIONS } from '../constructs/workflow-permissions';

/** What a member account's role holds: every service's data and the workflow's account part. */
export const MEMBER_PERMISSION_SETS: readonly PermissionSet[] = [
  ...Object.values(SERVICE_PERMISSIONS),
  WORKFLOW_ACCOUNT_PERMISSIONS,
];

/** The central functions that assume the member role: those the member role's data grants to. */
export const MEMBER_ROLE_HOLDERS = [
  ...new Set(MEMBER_PERMISSION_SETS.flatMap((set) => Object.keys(set))),
] as (keyof PermissionSet)[];

/** The member stack's parameters, filled by the StackSet from the central stack (or by hand). */
export const MEMBER_PARAMETERS = {
  centralAccountId: 'CentralAccountId',
  pipelineRoleArns: 'PipelineRoleArns',
  pipelineRegion: 'PipelineRegion',
  backupBucketArn: 'BackupBucketArn',
} as const;

/** The '*' resource of the member role: Describe and List calls only (no tracing here: that is central). */
const MEMBER_WILDCARD_REASON =
  'Describe* and List* calls of the backed-up services have no resource-level permissions; all create and delete actions are scoped.';

/** Written as long as ACCOUNT (16 characters), so the recovery bucket pattern is cut where the central one is. */
const CENTRAL_ACCOUNT = '<CentralAccount>';

export interface MemberStackProps extends StackProps {
  config: PipelineConfig & { organization: OrganizationConfig };
}

export class MemberStack extends Stack {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: MemberStackProps) {
    super(scope, id, {
      // A StackSet instance runs in accounts never bootstrapped for CDK: no bootstrap version check, no
      // assets (a role only), and `cdk deploy` of it uses the caller's credentials.
      synthesizer: new BootstraplessSynthesizer(),
      // The template is the StackSet's body: the same wherever it is synthesized, with no CDK metadata.
      analyticsReporting: false,
      description: `${props.config.stackName} member: the role the backup pipeline assumes in this account`,
      ...props,
    });
    const { config } = props;
    const { organization } = config;

    const centralAccount = new CfnParameter(this, MEMBER_PARAMETERS.centralAccountId, {
      type: 'String',
      allowedPattern: '^\\d{12}$',
      description: 'The account the backup pipeline runs in',
    });
    const pipelineRoles = new CfnParameter(this, MEMBER_PARAMETERS.pipelineRoleArns, {
      type: 'CommaDelimitedList',
      description: "The ARNs of the pipeline functions' roles (the central stack's MemberTrustedRoleArns output)",
    });
    const pipelineRegion = new CfnParameter(this, MEMBER_PARAMETERS.pipelineRegion, {
      type: 'String',
      allowedPattern: '^[a-z]{2}(-[a-z]+)+-\\d$',
      description: "The pipeline's home region: its backups are tagged managed-by <stack>@<this region>",
    });
    const backupBucket = new CfnParameter(this, MEMBER_PARAMETERS.backupBucketArn, {
      type: 'String',
      description: "The pipeline's backup bucket, where DynamoDB exports land",
    });

    this.role = new Role(this, 'MemberRole', {
      roleName: organization.memberRoleName,
      description: `${config.stackName}: assumed by the backup pipeline's functions in the central account`,
      // The account principal with the exact roles as a condition, not the roles as principals: IAM keeps a
      // role principal by its unique id, so a replaced pipeline role would silently lose the trust.
      assumedBy: new AccountPrincipal(centralAccount.valueAsString).withConditions({
        ArnEquals: { 'aws:PrincipalArn': pipelineRoles.valueAsList },
        StringEquals: { 'aws:PrincipalOrgID': organization.organizationId },
      }),
    });

    const fill = fillerOf([
      // First: the patterns name placeholders filled below. Recovery buckets are the central account's.
      [RECOVERY_BUCKETS, recoveryBucketNamePattern(config.stackName, CENTRAL_ACCOUNT)],
      [CENTRAL_ACCOUNT, centralAccount.valueAsString],
      [PARTITION, Aws.PARTITION],
      // The member's own resources: its account.
      [ACCOUNT, Aws.ACCOUNT_ID],
      // REGION in the data is the pipeline's home region (managed-by and restored-by tag values).
      [REGION, pipelineRegion.valueAsString],
      [STACK_NAME, config.stackName],
      [BACKUP_BUCKET_ARN, backupBucket.valueAsString],
    ]);
    grantPermissionSets(
      this,
      MEMBER_PERMISSION_SETS,
      fill,
      () => this.role,
      new Map([[this.role, MEMBER_WILDCARD_REASON]]),
    );
  }
}

/** The member stack's name (and construct id: CDK writes the path into its policies' descriptions). */
export function memberStackName(stackName: string): string {
  return `${stackName}-member`;
}

/**
 * The member stack's template as the StackSet deploys it: synthesized on its own, in an app of its own
 * with the calling app's context (feature flags shape the policies), from the same class, id and config as
 * the app's member stack, so the two are one template (tests/infra/member-stack.test.ts).
 */
export function memberStackTemplate(scope: Construct, config: MemberStackProps['config']): string {
  const app: Stage = new App({
    analyticsReporting: false,
    context: scope.node.getAllContext(),
    // Its own directory: under `cdk synth` a default outdir would be the CLI's cdk.out (CDK_OUTDIR).
    outdir: mkdtempSync(join(tmpdir(), 'member-stack-')),
  });
  const stack = new MemberStack(app, memberStackName(config.stackName), { config });
  const template = JSON.stringify(app.synth().getStackByName(stack.stackName).template);
  rmSync(app.outdir, { recursive: true, force: true });
  return template;
}
