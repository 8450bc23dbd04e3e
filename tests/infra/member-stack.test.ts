/**
 * Many accounts (issue #23 items 1 and 2): the member stack's one role, trusted only by the pipeline's
 * function roles and only from within the organization, holding exactly the account-side permission data
 * the central functions hold; the StackSet that deploys it to the configured units and accounts; the
 * `organization` block refused field by field; and a config without it synthesizing what it always did.
 */
import { readFileSync } from 'node:fs';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { buildApp } from '../../infra/bin/app';
import { asNagPrints } from '../../infra/constructs/permissions';
import { MEMBER_PERMISSION_SETS, MEMBER_ROLE_HOLDERS, type MemberStack } from '../../infra/stacks/member-stack';
import { parsePipelineConfig } from '../../shared/config';
import { recoveryBucketNamePattern } from '../../shared/names';
import {
  ACCOUNT,
  BACKUP_BUCKET_ARN,
  type ConditionValue,
  PARTITION,
  RECOVERY_BUCKETS,
  REGION,
  STACK_NAME,
} from '../../shared/services/permission-set';
import { caught } from '../support/unit-fixtures';
import type { Statement } from './policy-helpers';

const cdkJson = JSON.parse(readFileSync(`${__dirname}/../../cdk.json`, 'utf8')) as {
  context: { backupPipeline: Record<string, unknown> } & Record<string, unknown>;
};
const ORGANIZATION = {
  organizationId: 'o-a1b2c3d4e5',
  rootId: 'r-a1b2',
  organizationalUnits: ['ou-a1b2-11111111', 'ou-a1b2-22222222'],
  accounts: ['111111111111'],
  excludedAccounts: ['999999999999'],
  callAs: 'DELEGATED_ADMIN',
};
const build = (organization?: unknown) =>
  buildApp(
    new App({
      context: {
        ...cdkJson.context,
        backupPipeline: { ...cdkJson.context.backupPipeline, ...(organization ? { organization } : {}) },
        'aws:cdk:bundling-stacks': [],
      },
    }),
  );

const single = build();
const central = build(ORGANIZATION);
const member = central.memberStack as MemberStack;
const memberTemplate = Template.fromStack(member);
const centralTemplate = Template.fromStack(central.stack);
const singleTemplate = Template.fromStack(single.stack);

type Resource = { Type: string; Properties: Record<string, unknown> };
const resourcesOf = (template: Template, type: string) => Object.values(template.findResources(type)) as Resource[];
const stackSet = () => resourcesOf(centralTemplate, 'AWS::CloudFormation::StackSet')[0]?.Properties ?? {};

/** One permission as a comparable line: action, resource and conditions, intrinsics printed as cdk-nag does. */
function permissionLines(statements: readonly Statement[]): string[] {
  const conditionOf = (condition: Statement['Condition']) =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(condition ?? {}).map(([op, keys]) => [
          op,
          Object.fromEntries(
            Object.entries(keys).map(([key, v]) => [
              key,
              Array.isArray(v) ? v.map(asNagPrints).sort() : typeof v === 'boolean' ? v : asNagPrints(v),
            ]),
          ),
        ]),
      ),
    );
  return [
    ...new Set(
      statements.flatMap((s) =>
        [s.Action]
          .flat()
          .flatMap((action) =>
            [s.Resource].flat().map((resource) => `${action} ${asNagPrints(resource)} ${conditionOf(s.Condition)}`),
          ),
      ),
    ),
  ].sort();
}

describe('member stack', () => {
  const roleId = member.getLogicalId(member.role.node.defaultChild as CfnElement);

  it('trusts the central account only for the pipeline roles (aws:PrincipalArn) and only within the organization', () => {
    // Act
    const role = resourcesOf(memberTemplate, 'AWS::IAM::Role')[0]?.Properties;

    // Assess
    expect(role?.RoleName).toBe('BackupPipelineMember');
    expect(role?.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: {
            AWS: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'CentralAccountId' }, ':root']],
            },
          },
          Condition: {
            ArnEquals: { 'aws:PrincipalArn': { Ref: 'PipelineRoleArns' } },
            StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
          },
        },
      ],
    });
  });

  it('holds exactly the account-side permission data the central functions hold, and nothing else', () => {
    // Prepare: the data, with the member's values in place of the placeholders.
    const fill = (text: string) =>
      text
        .replaceAll(RECOVERY_BUCKETS, recoveryBucketNamePattern('BackupPipeline', '<CentralAccountId>'))
        .replaceAll(PARTITION, '<AWS::Partition>')
        .replaceAll(ACCOUNT, '<AWS::AccountId>')
        .replaceAll(REGION, '<PipelineRegion>')
        .replaceAll(STACK_NAME, 'BackupPipeline')
        .replaceAll(BACKUP_BUCKET_ARN, '<BackupBucketArn>');
    const value = (v: ConditionValue) => (typeof v === 'string' ? fill(v) : typeof v === 'boolean' ? v : v.map(fill));
    const expected = permissionLines(
      MEMBER_PERMISSION_SETS.flatMap((set) =>
        Object.values(set).flatMap((p) =>
          (p?.grants ?? []).map(
            (g): Statement => ({
              Effect: 'Allow',
              Action: [...g.actions],
              Resource: g.resources.map(fill),
              ...(g.conditions
                ? {
                    Condition: Object.fromEntries(
                      Object.entries(g.conditions).map(([op, keys]) => [
                        op,
                        Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, value(v)])),
                      ]),
                    ),
                  }
                : {}),
            }),
          ),
        ),
      ),
    );

    // Act: every policy on the role, the inline one and those CDK moves past its size limit.
    const statements = [
      ...resourcesOf(memberTemplate, 'AWS::IAM::Policy'),
      ...resourcesOf(memberTemplate, 'AWS::IAM::ManagedPolicy'),
    ]
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

    // Assess
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(permissionLines(statements)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(50);
    // Nothing of the pipeline's own account: its executions, traces, topic, functions.
    expect(JSON.stringify(statements)).not.toMatch(/states:|xray:|sns:|lambda:/);
  });

  it('passes cdk-nag (AwsSolutions), every wildcard acknowledged with the reasons its holders give', () => {
    // Act
    central.app.synth();

    // Assess
    expect(Annotations.fromStack(member).findError('*', Match.stringLikeRegexp('AwsSolutions'))).toEqual([]);
    expect(Annotations.fromStack(central.stack).findError('*', Match.stringLikeRegexp('AwsSolutions'))).toEqual([]);
  });

  it('fails the synth on an unacknowledged finding (so the check above is not vacuous)', () => {
    const { app, memberStack } = build(ORGANIZATION);
    new Topic(memberStack as MemberStack, 'UnencryptedTopic');
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS/);
  });

  it('is a stack a StackSet can run: no bootstrap check, no assets, no CDK metadata', () => {
    // Act
    const json = memberTemplate.toJSON() as Record<string, Record<string, unknown>>;

    // Assess
    expect(json.Rules ?? {}).toEqual({});
    expect(Object.keys(json.Parameters ?? {}).sort()).toEqual([
      'BackupBucketArn',
      'CentralAccountId',
      'PipelineRegion',
      'PipelineRoleArns',
    ]);
    expect(new Set(Object.values(json.Resources ?? {}).map((r) => (r as Resource).Type))).toEqual(
      new Set(['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']),
    );
  });
});

describe('member StackSet', () => {
  it('is service-managed, auto-deployed, and acts as the delegated administrator when told to', () => {
    expect(stackSet()).toMatchObject({
      StackSetName: 'BackupPipeline-member',
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'DELEGATED_ADMIN',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    });
  });

  it('deploys the member stack as synthesized, within the TemplateBody limit (51,200 bytes)', () => {
    // Act
    const body = stackSet().TemplateBody as string;

    // Assess
    expect(JSON.parse(body)).toEqual(memberTemplate.toJSON());
    expect(Buffer.byteLength(body)).toBeLessThan(51_200);
  });

  it('targets the units minus the excluded accounts, and the named accounts through the root, in the home region', () => {
    expect(stackSet().StackInstancesGroup).toEqual([
      {
        DeploymentTargets: {
          OrganizationalUnitIds: ['ou-a1b2-11111111', 'ou-a1b2-22222222'],
          Accounts: ['999999999999'],
          AccountFilterType: 'DIFFERENCE',
        },
        Regions: [{ Ref: 'AWS::Region' }],
      },
      {
        DeploymentTargets: {
          OrganizationalUnitIds: ['r-a1b2'],
          Accounts: ['111111111111'],
          AccountFilterType: 'INTERSECTION',
        },
        Regions: [{ Ref: 'AWS::Region' }],
      },
    ]);
  });

  it('targets whole units when nothing is excluded, and acts as itself by default', () => {
    // Act
    const { stack } = build({ organizationId: 'o-a1b2c3d4e5', organizationalUnits: ['ou-a1b2-11111111'] });
    const props = resourcesOf(Template.fromStack(stack), 'AWS::CloudFormation::StackSet')[0]?.Properties;

    // Assess
    expect(props?.CallAs).toBe('SELF');
    expect(props?.StackInstancesGroup).toEqual([
      {
        DeploymentTargets: { OrganizationalUnitIds: ['ou-a1b2-11111111'], AccountFilterType: 'NONE' },
        Regions: [{ Ref: 'AWS::Region' }],
      },
    ]);
  });

  it('passes the member stack the central account, its region, bucket and exactly the roles the member data grants to', () => {
    // Prepare
    const roleArns = MEMBER_ROLE_HOLDERS.map((holder) => ({
      'Fn::GetAtt': [
        central.stack.getLogicalId(central.stack.functions[holder].role.node.defaultChild as CfnElement),
        'Arn',
      ],
    }));

    // Act
    const parameters = Object.fromEntries(
      (stackSet().Parameters as { ParameterKey: string; ParameterValue: unknown }[]).map((p) => [
        p.ParameterKey,
        p.ParameterValue,
      ]),
    );

    // Assess
    expect(MEMBER_ROLE_HOLDERS).toEqual(expect.arrayContaining(['plan-run', 'start-backup', 'apply-retention']));
    expect(parameters).toEqual({
      CentralAccountId: { Ref: 'AWS::AccountId' },
      PipelineRegion: { Ref: 'AWS::Region' },
      BackupBucketArn: { 'Fn::GetAtt': ['BackupBucket26B8E51C', 'Arn'] },
      PipelineRoleArns: { 'Fn::Join': [',', roleArns] },
    });
    centralTemplate.hasOutput('MemberTrustedRoleArns', { Value: { 'Fn::Join': [',', roleArns] } });
  });
});

describe('without an organization', () => {
  it('defines no member stack, and the central stack differs only by the StackSet and its output', () => {
    // Act
    const withOrg = centralTemplate.toJSON() as Record<string, Record<string, unknown>>;
    const without = singleTemplate.toJSON() as Record<string, Record<string, unknown>>;
    const setId = central.stack.getLogicalId(central.stack.memberStackSet?.stackSet as CfnElement);
    const { [setId]: set, ...otherResources } = withOrg.Resources ?? {};
    const { MemberTrustedRoleArns: _out, ...otherOutputs } = withOrg.Outputs ?? {};

    // Assess
    expect(single.memberStack).toBeUndefined();
    expect(single.app.node.children.filter((c) => Stack.isStack(c)).map((c) => c.node.id)).toEqual(['BackupPipeline']);
    expect(set).toBeDefined();
    expect({ ...withOrg, Resources: otherResources, Outputs: otherOutputs }).toEqual(without);
  });
});

describe('organization config', () => {
  const refusal = async (organization: unknown) => (await caught(() => parsePipelineConfig({ organization }))).message;

  it('names every bad field at once', async () => {
    // Act
    const message = await refusal({
      organizationId: 'org-1',
      rootId: 'root',
      accounts: ['1234', '111111111111', '111111111111'],
      organizationalUnits: ['ou-x', 'r-a1b2'],
      excludedAccounts: ['abc'],
      memberRoleName: 'has space',
      callAs: 'ADMIN',
      regions: ['eu-west-1'],
    });

    // Assess
    for (const line of [
      'backupPipeline.organization.organizationId: not an AWS Organizations id',
      'backupPipeline.organization.rootId: not an organization root id',
      'backupPipeline.organization.accounts.0: not an AWS account id (12 digits)',
      'backupPipeline.organization.accounts.2: duplicate account 111111111111',
      'backupPipeline.organization.organizationalUnits.0: not an organizational unit id',
      'backupPipeline.organization.excludedAccounts.0: not an AWS account id',
      'backupPipeline.organization.memberRoleName: not an IAM role name',
      'backupPipeline.organization.callAs: one of SELF, DELEGATED_ADMIN',
      'backupPipeline.organization.regions: unknown field',
    ])
      expect(message).toContain(line);
  });

  it('refuses a block that names no account, named accounts without the root, and an account both named and excluded', async () => {
    expect(await refusal({ organizationId: 'o-a1b2c3d4e5' })).toContain(
      'backupPipeline.organization.accounts: name the member accounts (accounts) or their organizational units',
    );
    expect(await refusal({ organizationId: 'o-a1b2c3d4e5', accounts: ['111111111111'] })).toContain(
      'backupPipeline.organization.rootId: required with accounts',
    );
    expect(
      await refusal({
        organizationId: 'o-a1b2c3d4e5',
        rootId: 'r-a1b2',
        accounts: ['111111111111'],
        excludedAccounts: ['111111111111'],
      }),
    ).toContain('backupPipeline.organization.excludedAccounts.0: 111111111111 is also named in accounts');
  });

  it('gives the defaults, and leaves the key out when the block is absent', () => {
    // Act
    const config = parsePipelineConfig({
      organization: { organizationId: 'o-a1b2c3d4e5', organizationalUnits: ['r-a1b2'] },
    });

    // Assess
    expect(config.organization).toEqual({
      organizationId: 'o-a1b2c3d4e5',
      organizationalUnits: ['r-a1b2'],
      excludedAccounts: [],
      memberRoleName: 'BackupPipelineMember',
      callAs: 'SELF',
    });
    expect('organization' in parsePipelineConfig({})).toBe(false);
  });
});
