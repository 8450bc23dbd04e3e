/**
 * shared/resource.ts (the ARN grammar the pipeline accepts) and shared/tags.ts (the ownership tags
 * that retention and IAM conditions rely on).
 */
import {
  arnOf,
  parseResourceArn,
  partitionOf,
  RESOURCE_TYPES,
  type ResourceType,
  toRef,
} from '../../../shared/resource';
import { ebsVolumeArn, ec2InstanceArn } from '../../../shared/services/ec2/catalog';
import {
  copyableTags,
  expiryOf,
  matchesTags,
  ownershipTags,
  resourceTagsOf,
  TAG,
  tagValue,
} from '../../../shared/tags';
import { ACCOUNT, REGION } from '../../support/unit-fixtures';

/** Supported ARNs, each with the type and id it names: one or more of every type, in several partitions. */
const SUPPORTED_ARNS = [
  [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`, 'ec2-instance', 'i-0123456789abcdef0'],
  [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-01234567`, 'ec2-instance', 'i-01234567'],
  [`arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0123456789abcdef0`, 'ebs-volume', 'vol-0123456789abcdef0'],
  [`arn:aws:rds:${REGION}:${ACCOUNT}:db:orders-primary`, 'rds-instance', 'orders-primary'],
  [`arn:aws-cn:rds:cn-north-1:${ACCOUNT}:db:orders`, 'rds-instance', 'orders'],
  [`arn:aws:rds:${REGION}:${ACCOUNT}:cluster:ledger`, 'aurora-cluster', 'ledger'],
  [`arn:aws-us-gov:ec2:us-gov-west-1:${ACCOUNT}:volume/vol-01234567`, 'ebs-volume', 'vol-01234567'],
  [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/sessions.v2`, 'dynamodb-table', 'sessions.v2'],
  [`arn:aws:redshift:${REGION}:${ACCOUNT}:cluster:warehouse-1`, 'redshift-cluster', 'warehouse-1'],
  [
    `arn:aws:elasticache:${REGION}:${ACCOUNT}:replicationgroup:sessions-cache`,
    'elasticache-replication-group',
    'sessions-cache',
  ],
  [`arn:aws:s3:${REGION}:${ACCOUNT}:bucket/orders-archive.v2`, 's3-bucket', 'orders-archive.v2'],
] as const satisfies readonly (readonly [string, ResourceType, string])[];

/**
 * Types whose ARN has another type's form, which it parses as: an RDS cluster's ARN is the same whatever its
 * engine, so it reads as Aurora's, and Plan retypes it by the engine its description gives.
 */
const SHARED_FORM: Partial<Record<ResourceType, ResourceType>> = {
  'docdb-cluster': 'aurora-cluster',
  'neptune-cluster': 'aurora-cluster',
};

describe('parseResourceArn', () => {
  it('has a supported ARN of every type to parse (or of the type whose form it shares)', () => {
    expect(new Set(SUPPORTED_ARNS.map(([, type]) => type))).toEqual(
      new Set(RESOURCE_TYPES.map((t) => SHARED_FORM[t] ?? t)),
    );
  });

  it.each(Object.entries(SHARED_FORM))('writes a %s ARN in the form of %s, which it parses as', (type, as) => {
    const arn = arnOf(type as ResourceType, REGION, ACCOUNT, 'catalog');
    expect(arn).toBe(arnOf(as as ResourceType, REGION, ACCOUNT, 'catalog'));
    expect(toRef(arn).type).toBe(as);
  });

  it.each(SUPPORTED_ARNS)('parses %s as %s %s', (arn, type, id) => {
    // Act
    const result = parseResourceArn(arn);

    // Assess
    expect(result).toEqual({
      ok: true,
      ref: { arn, type, id, region: arn.split(':')[3], accountId: ACCOUNT },
    });
  });

  it.each([
    ['an empty string', ''],
    ['a bare id', 'i-0123456789abcdef0'],
    ['an account id that is not 12 digits', `arn:aws:ec2:${REGION}:1234:instance/i-0123456789abcdef0`],
    ['an unknown partition', `arn:aws-xx:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`],
    ['a region that is not one', `arn:aws:ec2:europe:${ACCOUNT}:instance/i-0123456789abcdef0`],
  ])('rejects %s as not a valid ARN', (_label, arn) => {
    expect(parseResourceArn(arn)).toEqual({ ok: false, reason: `not a valid ARN: ${JSON.stringify(arn)}` });
  });

  it.each([
    [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:f`, 'lambda:function'],
    [`arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:s`, 'rds:cluster-snapshot'],
    [`arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:s`, 'rds:snapshot'],
    [`arn:aws:ec2:${REGION}:${ACCOUNT}:snapshot/snap-0123456789abcdef0`, 'ec2:snapshot'],
    [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders/backup/01-a`, 'dynamodb:table'],
  ])('rejects %s as an unsupported type, naming it and what is supported', (arn, type) => {
    // Act
    const result = parseResourceArn(arn);

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(`unsupported resource type "${type}"`);
    expect(!result.ok && result.reason).toContain('supported: EC2 instances, EBS volumes, RDS DB instances');
  });

  it.each([
    [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/`, 'ec2-instance', ''],
    [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/not-an-id`, 'ec2-instance', 'not-an-id'],
    [`arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-０１２３４５６７`, 'ebs-volume', 'vol-０１２３４５６７'],
    [`arn:aws:rds:${REGION}:${ACCOUNT}:db:orders１`, 'rds-instance', 'orders１'],
    [`arn:aws:rds:${REGION}:${ACCOUNT}:cluster:`, 'aurora-cluster', ''],
  ])('rejects %s as a malformed id of its type (issue #21), not as an unsupported type', (arn, type, id) => {
    // Act
    const result = parseResourceArn(arn);

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(`malformed ${type} id ${JSON.stringify(id)} in ${arn}: expected `);
    expect(!result.ok && result.reason).not.toContain('unsupported');
  });

  it("refuses S3's own bucket ARN, which names no region or account: the pipeline's names both (shared/services/s3/catalog.ts)", () => {
    const result = parseResourceArn('arn:aws:s3:::my-bucket');
    expect(!result.ok && result.reason).toBe('not a valid ARN: "arn:aws:s3:::my-bucket" names no region or account');
  });

  it('refuses a supported type whose ARN lacks its region or account', () => {
    const result = parseResourceArn('arn:aws:rds::111122223333:db:orders');
    expect(!result.ok && result.reason).toContain('names no region or account');
  });
});

describe('toRef', () => {
  it('returns the ref of a supported ARN and throws the reason for any other', () => {
    expect(toRef(`arn:aws:rds:${REGION}:${ACCOUNT}:db:orders`).id).toBe('orders');
    expect(() => toRef('nope')).toThrow('not a valid ARN: "nope"');
  });
});

describe('ARN builders and partitionOf', () => {
  it('builds instance and volume ARNs in the partition of the region', () => {
    expect(ec2InstanceArn(partitionOf('cn-north-1'), 'cn-north-1', ACCOUNT, 'i-1')).toBe(
      `arn:aws-cn:ec2:cn-north-1:${ACCOUNT}:instance/i-1`,
    );
    expect(ebsVolumeArn(partitionOf('us-gov-west-1'), 'us-gov-west-1', ACCOUNT, 'vol-1')).toBe(
      `arn:aws-us-gov:ec2:us-gov-west-1:${ACCOUNT}:volume/vol-1`,
    );
    expect(partitionOf('eu-west-1')).toBe('aws');
  });

  it.each(SUPPORTED_ARNS)('writes %s with arnOf, from its type, region, account and id', (arn, type, id) => {
    expect(arnOf(type, arn.split(':')[3] ?? '', ACCOUNT, id)).toBe(arn);
  });
});

describe('ownershipTags', () => {
  it('writes the five backup-pipeline: tags', () => {
    expect(
      ownershipTags({
        stackName: 'BackupPipeline',
        runId: 'run-1',
        tier: 'daily',
        sourceArn: 'arn:src',
        expiresAt: '2026-01-12T00:00:00.000Z',
      }),
    ).toEqual([
      { Key: 'backup-pipeline:managed-by', Value: 'BackupPipeline' },
      { Key: 'backup-pipeline:run-id', Value: 'run-1' },
      { Key: 'backup-pipeline:tier', Value: 'daily' },
      { Key: 'backup-pipeline:source', Value: 'arn:src' },
      { Key: 'backup-pipeline:expires-at', Value: '2026-01-12T00:00:00.000Z' },
    ]);
  });
});

describe('copyableTags', () => {
  it('copies user tags but never aws: tags or our own (which must not be overwritten)', () => {
    expect(
      copyableTags([
        { Key: 'Name', Value: 'data' },
        { Key: 'aws:cloudformation:stack-name', Value: 'x' },
        { Key: TAG.expiresAt, Value: '2020-01-01T00:00:00Z' },
        { Key: 'empty', Value: '' },
        { Key: undefined, Value: 'no key' },
        { Key: 'no-value' },
      ]),
    ).toEqual([
      { Key: 'Name', Value: 'data' },
      { Key: 'empty', Value: '' },
    ]);
  });

  it('leaves room for the ownership tags within the 50-tag limit', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ Key: `k${i}`, Value: `${i}` }));
    expect(copyableTags(many)).toHaveLength(45);
    expect(copyableTags(undefined)).toEqual([]);
  });
});

describe('tag readers', () => {
  const tags = [
    { Key: 'backup', Value: 'true' },
    { Key: 'team', Value: 'shop' },
    { Key: TAG.expiresAt, Value: '2026-01-12T02:00:00.000Z' },
  ];

  it('matches only when every wanted tag has the wanted value', () => {
    expect(matchesTags(tags, { backup: 'true', team: 'shop' })).toBe(true);
    expect(matchesTags(tags, { backup: 'false' })).toBe(false);
    expect(matchesTags(tags, { env: 'prod' })).toBe(false);
    expect(matchesTags(undefined, { backup: 'true' })).toBe(false);
  });

  it('reads a tag value', () => {
    expect(tagValue(tags, 'team')).toBe('shop');
    expect(tagValue(tags, 'missing')).toBeUndefined();
  });

  it('reads expires-at as a date, and as undefined when missing or unreadable (such a backup is kept)', () => {
    expect(expiryOf(tags)?.toISOString()).toBe('2026-01-12T02:00:00.000Z');
    expect(expiryOf([{ Key: TAG.expiresAt, Value: 'next tuesday' }])).toBeUndefined();
    expect(expiryOf([{ Key: TAG.expiresAt, Value: '' }])).toBeUndefined();
    expect(expiryOf([])).toBeUndefined();
  });
});

describe('resourceTagsOf', () => {
  it("keeps a resource's own tags, ours included, drops aws: keys and what AWS would not hold, at most 50", () => {
    // Prepare
    const tags = [
      { Key: 'app', Value: 'orders' },
      { Key: 'aws:cloudformation:stack-name', Value: 'shop' },
      { Key: TAG.tier, Value: 'daily' },
      { Key: 'k'.repeat(129), Value: 'too long a key' },
      { Key: 'long', Value: 'v'.repeat(257) },
      { Key: 'no-value' },
      ...Array.from({ length: 60 }, (_, i) => ({ Key: `t${i}`, Value: `${i}` })),
    ];

    // Act
    const kept = resourceTagsOf(tags);

    // Assess
    expect(kept.slice(0, 2)).toEqual([
      { Key: 'app', Value: 'orders' },
      { Key: TAG.tier, Value: 'daily' },
    ]);
    expect(kept).toHaveLength(50);
    expect(resourceTagsOf(undefined)).toEqual([]);
  });
});
