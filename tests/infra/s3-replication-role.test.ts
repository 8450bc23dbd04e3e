/**
 * The stack's S3 replication role (infra/constructs/s3-replication-role.ts): the drivers name
 * `<stack>-s3-replication` in every replication rule and Batch Operations job, and the Lambdas pass it;
 * without the role a deployed stack's S3 backups and restores fail. One synth, bundling skipped.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { buildApp } from '../../infra/bin/app';
import { replicationRoleArn } from '../../shared/services/s3/s3-bucket';
import {
  acknowledgedResources,
  actionsIn,
  functionStatements,
  type Statement,
  statementsOfRole,
} from './policy-helpers';

const cdkJson = JSON.parse(readFileSync(`${__dirname}/../../cdk.json`, 'utf8')) as { context: Record<string, unknown> };
const config = cdkJson.context.backupPipeline as { stackName: string };
const { stack } = buildApp(new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } }));
const template = Template.fromStack(stack);

const roles = template.findResources('AWS::IAM::Role', {
  Properties: { RoleName: `${config.stackName}-s3-replication` },
});
const [roleId] = Object.keys(roles);
type TrustStatement = { Principal: { Service: string }; Action: string; Condition?: unknown };
const trust = (): TrustStatement[] =>
  (roles[roleId ?? ''] as { Properties: { AssumeRolePolicyDocument: { Statement: TrustStatement[] } } }).Properties
    .AssumeRolePolicyDocument.Statement;
const statements = (): Statement[] => statementsOfRole(template, roleId ?? '');
/**
 * What the role may do on one resource (as the template writes it, joins flattened; CDK merges
 * statements of equal resources and conditions): the actions, each statement's condition.
 */
function grantsOn(resource: string): { actions: string[]; conditions: unknown[] } {
  const found = statements().filter((s) => {
    const resources = [stack.resolve(s.Resource)]
      .flat()
      .map((r) => JSON.stringify(r).replace(/[{}"[\],]|Ref:|Fn::Join:/g, ''));
    return resources.some((r) => r.endsWith(resource));
  });
  return {
    actions: found.flatMap(actionsIn).sort(),
    conditions: [...new Set(found.map((s) => JSON.stringify(s.Condition ?? null)))].map((c) => JSON.parse(c)),
  };
}
const OWN_ACCOUNT = { StringEquals: { 's3:ResourceAccount': { Ref: 'AWS::AccountId' } } };

describe('the S3 replication role', () => {
  it('exists once, with the name the drivers build (shared/names.ts s3ReplicationRoleName)', () => {
    expect(Object.keys(roles)).toHaveLength(1);
    expect(replicationRoleArn('us-east-1', '111122223333', `${config.stackName}@us-east-1`)).toBe(
      `arn:aws:iam::111122223333:role/${config.stackName}-s3-replication`,
    );
  });

  it('is trusted by S3 and S3 Batch Operations, each on behalf of this account only (aws:SourceAccount)', () => {
    const trusted = trust().flatMap((t) =>
      [t.Principal.Service].flat().map((service) => ({ service, action: t.Action, condition: t.Condition })),
    );
    expect(trusted.sort((a, b) => a.service.localeCompare(b.service))).toEqual(
      ['batchoperations.s3.amazonaws.com', 's3.amazonaws.com'].map((service) => ({
        service,
        action: 'sts:AssumeRole',
        condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      })),
    );
  });

  it('reads the sources for replication and Batch Replication, in its own account only', () => {
    expect(grantsOn(':s3:::*')).toEqual({
      actions: ['s3:GetReplicationConfiguration', 's3:ListBucket', 's3:PutInventoryConfiguration'],
      conditions: [OWN_ACCOUNT],
    });
    expect(grantsOn(':s3:::*/*')).toEqual({
      actions: [
        's3:GetObjectVersionAcl',
        's3:GetObjectVersionForReplication',
        's3:GetObjectVersionTagging',
        's3:InitiateReplication',
      ],
      conditions: [OWN_ACCOUNT],
    });
  });

  it("replicates into, and restores read from, the stack's backup buckets only (<prefix>-bb-*)", () => {
    expect(grantsOn(`:s3:::${config.stackName.toLowerCase().slice(0, 40)}-bb-*/*`)).toEqual({
      actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'],
      conditions: [null],
    });
  });

  it('writes a restore only into a bucket named as a restore (-restored-), and writes no report', () => {
    expect(grantsOn(':s3:::*-restored-*/*')).toEqual({
      actions: ['s3:PutObject', 's3:PutObjectTagging'],
      conditions: [OWN_ACCOUNT],
    });
    // Nothing else written anywhere: the jobs' reports and manifest output are off.
    expect(
      statements()
        .flatMap(actionsIn)
        .filter((a) => /^s3:(Put|Delete|Replicate)/.test(a))
        .sort(),
    ).toEqual([
      's3:PutInventoryConfiguration',
      's3:PutObject',
      's3:PutObjectTagging',
      's3:ReplicateDelete',
      's3:ReplicateObject',
      's3:ReplicateTags',
    ]);
    expect(statements().flatMap(actionsIn)).toHaveLength(14);
  });

  it("is the role the Lambdas' iam:PassRole names (the same ARN: this account's role of that name)", () => {
    // A role's ARN is arn:<partition>:iam::<account>:role/<RoleName> (no path is set).
    const roleName = (roles[roleId ?? ''] as { Properties: { RoleName: string } }).Properties.RoleName;
    const roleArn = JSON.stringify({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, `:role/${roleName}`]],
    });
    expect((roles[roleId ?? ''] as { Properties: { Path?: string } }).Properties.Path).toBeUndefined();
    for (const name of ['start-backup', 'start-restore'] as const) {
      const passed = functionStatements(stack, template, name)
        .filter((s) => actionsIn(s).includes('iam:PassRole'))
        .map((s) => JSON.stringify(stack.resolve(s.Resource)));
      expect(passed).toEqual([roleArn]);
    }
  });

  it('leaves no open cdk-nag finding: its four wildcards acknowledged on it', () => {
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions'))).toEqual([]);
    const role = stack.node.findChild('S3ReplicationRole') as Role;
    const bb = `${config.stackName.toLowerCase().slice(0, 40)}-bb-*/*`;
    expect(acknowledgedResources(role).sort()).toEqual(
      [':s3:::*', ':s3:::*/*', ':s3:::*-restored-*/*', `:s3:::${bb}`].map((r) => `arn:<AWS::Partition>${r}`).sort(),
    );
  });
});
