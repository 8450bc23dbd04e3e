/**
 * The permissions as data (shared/services/<service>/permissions.ts and the stack's own) and the one
 * place that applies them (infra/constructs/permissions.ts): wildcards only where AWS offers nothing
 * narrower, and every cdk-nag acknowledgement explaining a wildcard the role really holds.
 */
import { readFileSync } from 'node:fs';
import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccountPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { buildApp } from '../../infra/bin/app';
import { asNagPrints, grantPermissionSets } from '../../infra/constructs/permissions';
import { WORKFLOW_PERMISSIONS } from '../../infra/constructs/workflow-permissions';
import { SERVICE_PERMISSIONS } from '../../shared/services/catalog';
import type { PermissionSet } from '../../shared/services/permission-set';
import { acknowledgedResources, statementsOfRole } from './policy-helpers';

const cdkJson = JSON.parse(readFileSync(`${__dirname}/../../cdk.json`, 'utf8')) as { context: Record<string, unknown> };
const { stack } = buildApp(new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } }));
const template = Template.fromStack(stack);

const DATA: [string, PermissionSet<string>][] = [
  ...Object.entries(SERVICE_PERMISSIONS),
  ['workflow', WORKFLOW_PERMISSIONS],
];
const holdersOf = (set: PermissionSet<string>) =>
  Object.entries(set).flatMap(([holder, p]) => (p ? [[holder, p] as const] : []));

describe('permission data', () => {
  it.each(DATA)(
    '%s grants "*" only to Describe and List actions (AWS has no resource-level permission for them)',
    (_, set) => {
      // Act
      const onAnything = holdersOf(set).flatMap(([, p]) =>
        p.grants.filter((g) => g.resources.includes('*')).flatMap((g) => g.actions),
      );

      // Assess
      // s3:CreateJob names no resource type at all (Service Authorization Reference, Amazon S3): `*` only.
      const noResourceType = ['s3:CreateJob'];
      expect(
        onAnything.filter((action) => !/^[a-z0-9-]+:(Describe|List)/.test(action) && !noResourceType.includes(action)),
      ).toEqual([]);
    },
  );

  it.each(DATA)(
    '%s pins no region on the backed-up resources, their backups or keys: every configured region is allowed',
    (_, set) => {
      // Act: the region field of each EC2, RDS, DynamoDB, KMS, Redshift and ElastiCache resource the data names.
      const arns = holdersOf(set).flatMap(([holder, p]) =>
        p.grants.flatMap((g) => g.resources).map((resource) => ({ holder, resource })),
      );
      const regional = arns
        .map(({ holder, resource }) => ({
          holder,
          resource,
          region: /^arn:(?:<AWS::Partition>|aws[a-z-]*):(?:ec2|rds|dynamodb|kms|redshift|elasticache|s3):([^:]*):/.exec(
            resource,
          )?.[1],
        }))
        // A bucket's ARN names no region (`arn:aws:s3:::name`); S3's regional resources (jobs) do.
        .filter((a) => a.region !== undefined && !a.resource.includes(':s3:::'));

      // Assess
      expect(regional.length).toBeGreaterThan(0);
      expect(regional.filter((a) => a.region !== '*').map((a) => `${a.holder} ${a.resource}`)).toEqual([]);
    },
  );

  it.each(DATA)('%s gives a reason only for wildcards the same function is granted', (_, set) => {
    // Act
    const stale = holdersOf(set).flatMap(([holder, p]) => {
      const granted = new Set(p.grants.flatMap((g) => g.resources));
      return Object.keys(p.wildcards ?? {})
        .filter((resource) => !granted.has(resource))
        .map((resource) => `${holder} ${resource}`);
    });

    // Assess
    expect(stale).toEqual([]);
  });
});

describe('applyPermissions', () => {
  const roles = stack.node.findAll().filter((c): c is Role => c instanceof Role);

  it('acknowledges on each role only wildcard resources its policies hold', () => {
    // Prepare
    const acknowledged = acknowledgedResources;

    // Act
    const stale = roles.flatMap((role) => {
      const logicalId = stack.getLogicalId(role.node.defaultChild as CfnElement);
      const held = new Set(
        statementsOfRole(template, logicalId).flatMap((s) => [s.Resource].flat().map((r) => asNagPrints(r))),
      );
      return acknowledged(role)
        .filter((resource) => !held.has(resource))
        .map((resource) => `${role.node.path} ${resource}`);
    });

    // Assess
    expect(roles.length).toBeGreaterThan(10);
    expect(stale).toEqual([]);
  });

  it('acknowledges each wildcard once per role, with one reason', () => {
    // Act
    const repeated = roles.flatMap((role) => {
      const ids = role.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.keys(m.data as Record<string, string>));
      return ids.filter((id, i) => ids.indexOf(id) !== i).map((id) => `${role.node.path} ${id}`);
    });

    // Assess
    expect(repeated).toEqual([]);
  });
});

describe('grantPermissionSets', () => {
  const ON_SNAPSHOTS = 'arn:aws:ec2:*::snapshot/*';
  const setUp = () => {
    const scope = new Stack();
    return { scope, role: new Role(scope, 'Shared', { assumedBy: new AccountPrincipal('111122223333') }) };
  };
  const reasonsOn = (role: Role) =>
    Object.assign(
      {},
      ...role.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .map((m) => m.data as Record<string, string>),
    ) as Record<string, string>;

  it('acknowledges a wildcard two holders of one role give different reasons with both, each under its holder', () => {
    // Prepare
    const { scope, role } = setUp();
    const grant = { actions: ['ec2:DeleteSnapshot'], resources: [ON_SNAPSHOTS] };

    // Act
    grantPermissionSets(
      scope,
      [
        { 'start-backup': { grants: [grant], wildcards: { [ON_SNAPSHOTS]: 'made by the call' } } },
        { 'apply-retention': { grants: [grant], wildcards: { [ON_SNAPSHOTS]: 'tagged ours' } } },
      ],
      (text) => text,
      () => role,
      new Map([[role, 'describes']]),
    );

    // Assess
    expect(reasonsOn(role)).toEqual({
      'Annotation::AwsSolutions-IAM5[Resource::*]': 'describes',
      [`Annotation::AwsSolutions-IAM5[Resource::${ON_SNAPSHOTS}]`]:
        'start-backup: made by the call; apply-retention: tagged ours',
    });
  });

  it('refuses one holder giving one wildcard two reasons, and a reason for "*" other than the role\'s', () => {
    // Prepare
    const grant = { actions: ['ec2:DeleteSnapshot'], resources: [ON_SNAPSHOTS, '*'] };
    const twice = (first: string, second: string, resource: string) => () => {
      const { scope, role } = setUp();
      grantPermissionSets(
        scope,
        [
          { 'start-backup': { grants: [grant], wildcards: { [resource]: first } } },
          { 'start-backup': { grants: [grant], wildcards: { [resource]: second } } },
        ],
        (text) => text,
        () => role,
        new Map([[role, 'describes']]),
      );
    };

    // Act / Assess
    expect(twice('a', 'b', ON_SNAPSHOTS)).toThrow('start-backup: two reasons for the wildcard');
    expect(twice('a', 'a', ON_SNAPSHOTS)).not.toThrow();
    expect(twice('describes', 'other', '*')).toThrow('start-backup: two reasons for the wildcard *');
  });
});
