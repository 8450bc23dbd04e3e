/**
 * Drivers, one per resource type, against aws-sdk-client-mock (the tokens each page sends are checked
 * in the per-driver files with servePages: paginators reuse one input object, so recorded calls cannot): discovery (filters, pagination,
 * skips), start (first attempt, retry that finds the earlier backup), check, error mapping, and the
 * backup stores retention lists from.
 */
import {
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  DeleteSnapshotCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ebsSnapshotStore } from '../../shared/drivers/ebs-snapshots';
import { ebsVolumeDriver } from '../../shared/drivers/ebs-volume';
import { ec2InstanceDriver } from '../../shared/drivers/ec2-instance';
import { rdsInstanceDriver, rdsSnapshotIdentifier, rdsSnapshotStore } from '../../shared/drivers/rds-instance';
import {
  InvalidResourceStateError,
  LimitExceededError,
  QuotaExceededError,
  ResourceNotFoundError,
  ThrottledError,
} from '../../shared/errors';
import type { ResourceRef } from '../../shared/resource';
import { TAG } from '../../shared/tags';

const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);
beforeEach(() => {
  ec2.reset();
  rds.reset();
});

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const instance: ResourceRef = {
  arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`,
  type: 'ec2-instance',
  region: REGION,
  accountId: ACCOUNT,
  id: 'i-0123456789abcdef0',
};
const volume: ResourceRef = {
  arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0123456789abcdef0`,
  type: 'ebs-volume',
  region: REGION,
  accountId: ACCOUNT,
  id: 'vol-0123456789abcdef0',
};
const db: ResourceRef = {
  arn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders`,
  type: 'rds-instance',
  region: REGION,
  accountId: ACCOUNT,
  id: 'orders',
};
const tags = (resource: ResourceRef) => ({
  stackName: 'BackupPipeline',
  runId: 'run-1',
  tier: 'daily',
  sourceArn: resource.arn,
  expiresAt: '2026-02-01T00:00:00.000Z',
});
const awsError = (name: string) => Object.assign(new Error(`${name} (mocked)`), { name, $metadata: {} });

describe('ec2InstanceDriver', () => {
  it('discovers tagged live instances across pages with server-side tag filters, and skips instance-store-only ones', async () => {
    // Prepare
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [
          {
            OwnerId: ACCOUNT,
            Instances: [{ InstanceId: 'i-aaaaaaaaaaaaaaaaa', BlockDeviceMappings: [{ Ebs: { VolumeId: 'vol-1' } }] }],
          },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        Reservations: [
          { OwnerId: ACCOUNT, Instances: [{ InstanceId: 'i-bbbbbbbbbbbbbbbbb', BlockDeviceMappings: [] }] },
        ],
      });

    // Act
    const found = await ec2InstanceDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    expect(found.map((f) => [f.ref.id, f.skipReason])).toEqual([
      ['i-aaaaaaaaaaaaaaaaa', undefined],
      ['i-bbbbbbbbbbbbbbbbb', 'no EBS volumes (instance store only)'],
    ]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 2);
    expect(ec2).toHaveReceivedNthSpecificCommandWith(1, DescribeInstancesCommand, {
      Filters: [
        { Name: 'tag:backup', Values: ['true'] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ],
    });
  });

  it('starts with one CreateSnapshots for every volume, ownership tags and the volume tags copied, without a lookup on the first attempt', async () => {
    ec2.on(CreateSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-2' }, { SnapshotId: 'snap-1' }] });

    const result = await ec2InstanceDriver.start({
      resource: instance,
      runId: 'run-1',
      mayExist: false,
      tags: tags(instance),
    });

    expect(result).toEqual({ backupIds: ['snap-1', 'snap-2'], reused: false });
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 0);
    expect(ec2).toHaveReceivedCommandWith(CreateSnapshotsCommand, {
      InstanceSpecification: { InstanceId: instance.id, ExcludeBootVolume: false },
      CopyTagsFromSource: 'volume',
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: expect.arrayContaining([
            { Key: TAG.managedBy, Value: 'BackupPipeline' },
            { Key: TAG.runId, Value: 'run-1' },
            { Key: TAG.tier, Value: 'daily' },
            { Key: TAG.source, Value: instance.arn },
            { Key: TAG.expiresAt, Value: '2026-02-01T00:00:00.000Z' },
          ]),
        },
      ],
    });
  });

  it('on a retry finds the snapshots an earlier attempt created (by run-id and source tags) and creates none', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-9', State: 'pending' }] });

    const result = await ec2InstanceDriver.start({
      resource: instance,
      runId: 'run-1',
      mayExist: true,
      tags: tags(instance),
    });

    expect(result).toEqual({ backupIds: ['snap-9'], reused: true });
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotsCommand, 0);
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, {
      OwnerIds: ['self'],
      Filters: [
        { Name: `tag:${TAG.runId}`, Values: ['run-1'] },
        { Name: `tag:${TAG.source}`, Values: [instance.arn] },
      ],
    });
  });

  it('on a retry that finds nothing, creates the backup', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(CreateSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1' }] });
    await expect(
      ec2InstanceDriver.start({ resource: instance, runId: 'run-1', mayExist: true, tags: tags(instance) }),
    ).resolves.toEqual({ backupIds: ['snap-1'], reused: false });
  });

  it.each([
    ['RequestLimitExceeded', ThrottledError],
    ['SnapshotCreationPerVolumeRateExceeded', ThrottledError],
    ['PendingSnapshotLimitExceeded', LimitExceededError],
    ['ConcurrentSnapshotLimitExceeded', LimitExceededError],
    ['InvalidInstanceID.NotFound', ResourceNotFoundError],
    ['IncorrectInstanceState', InvalidResourceStateError],
  ])('maps %s from CreateSnapshots to %p', async (code, expected) => {
    ec2.on(CreateSnapshotsCommand).rejects(awsError(code));
    await expect(
      ec2InstanceDriver.start({ resource: instance, runId: 'run-1', mayExist: false, tags: tags(instance) }),
    ).rejects.toBeInstanceOf(expected);
  });

  it('resolves an explicit ARN and refuses a terminated instance', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [{ InstanceId: instance.id, State: { Name: 'terminated' } }] }] });
    await expect(ec2InstanceDriver.resolve(instance)).rejects.toThrow(InvalidResourceStateError);
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    await expect(ec2InstanceDriver.resolve(instance)).rejects.toThrow(ResourceNotFoundError);
  });

  it("checks all of an instance's snapshots in one call: the slowest progress, FAILED if any failed", async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        { SnapshotId: 'snap-1', State: 'completed', Progress: '100%' },
        { SnapshotId: 'snap-2', State: 'pending', Progress: '37%' },
      ],
    });
    await expect(ec2InstanceDriver.check(instance, ['snap-1', 'snap-2'])).resolves.toEqual({
      status: 'CREATING',
      progress: 37,
    });
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        { SnapshotId: 'snap-1', State: 'completed' },
        { SnapshotId: 'snap-2', State: 'completed' },
      ],
    });
    await expect(ec2InstanceDriver.check(instance, ['snap-1', 'snap-2'])).resolves.toEqual({
      status: 'COMPLETED',
      progress: 100,
    });
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        { SnapshotId: 'snap-1', State: 'completed' },
        { SnapshotId: 'snap-2', State: 'error', StateMessage: 'internal' },
      ],
    });
    await expect(ec2InstanceDriver.check(instance, ['snap-1', 'snap-2'])).resolves.toEqual({
      status: 'FAILED',
      reason: 'snap-2 error: internal',
    });
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 3);
  });
});

describe('ebsVolumeDriver', () => {
  it('discovers tagged volumes across pages and marks attached ones as part of their instance', async () => {
    ec2
      .on(DescribeVolumesCommand)
      .resolvesOnce({
        Volumes: [
          {
            VolumeId: 'vol-a',
            State: 'in-use',
            Attachments: [{ InstanceId: 'i-0123456789abcdef0', State: 'attached' }],
          },
        ],
        NextToken: 't',
      })
      .resolvesOnce({
        Volumes: [
          { VolumeId: 'vol-b', State: 'available' },
          { VolumeId: 'vol-c', State: 'error' },
        ],
      });

    const found = await ebsVolumeDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    expect(found.map((f) => [f.ref.id, f.partOf, f.skipReason])).toEqual([
      ['vol-a', instance.arn, undefined],
      ['vol-b', undefined, undefined],
      ['vol-c', undefined, 'volume is error'],
    ]);
    expect(found[0]?.ref.arn).toBe(`arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-a`);
  });

  it('creates one snapshot with the volume tags and the ownership tags', async () => {
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        {
          VolumeId: volume.id,
          State: 'available',
          Tags: [
            { Key: 'Name', Value: 'data' },
            { Key: 'aws:cloudformation:stack-name', Value: 'x' },
          ],
        },
      ],
    });
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-v' });

    await expect(
      ebsVolumeDriver.start({ resource: volume, runId: 'run-1', mayExist: false, tags: tags(volume) }),
    ).resolves.toEqual({ backupIds: ['snap-v'], reused: false });

    const sent = ec2.commandCalls(CreateSnapshotCommand)[0]?.args[0].input;
    const keys = sent?.TagSpecifications?.[0]?.Tags?.map((t) => t.Key);
    expect(keys).toContain('Name');
    expect(keys).not.toContain('aws:cloudformation:stack-name');
    expect(keys).toContain(TAG.managedBy);
  });
});

describe('rdsInstanceDriver', () => {
  it('filters instances by tag client-side across Marker pages and skips Aurora members', async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({
        DBInstances: [
          { DBInstanceIdentifier: 'orders', DBInstanceArn: db.arn, TagList: [{ Key: 'backup', Value: 'true' }] },
          { DBInstanceIdentifier: 'other', DBInstanceArn: `${db.arn}x`, TagList: [] },
        ],
        Marker: 'm',
      })
      .resolvesOnce({
        DBInstances: [
          {
            DBInstanceIdentifier: 'aurora-1',
            DBInstanceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:aurora-1`,
            DBClusterIdentifier: 'shop',
            TagList: [{ Key: 'backup', Value: 'true' }],
          },
        ],
      });

    const found = await rdsInstanceDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    expect(found.map((f) => [f.ref.id, f.skipReason?.slice(0, 28)])).toEqual([
      ['orders', undefined],
      ['aurora-1', 'member of Aurora cluster sho'],
    ]);
  });

  it('creates a snapshot with a deterministic identifier and the ownership tags', async () => {
    rds.on(CreateDBSnapshotCommand).resolves({});
    const id = rdsSnapshotIdentifier('run-1', 'orders');

    await expect(
      rdsInstanceDriver.start({ resource: db, runId: 'run-1', mayExist: false, tags: tags(db) }),
    ).resolves.toEqual({ backupIds: [id], reused: false });

    expect(id).toMatch(/^bp-run-1-[0-9a-f]{8}-orders$/);
    expect(rds).toHaveReceivedCommandWith(CreateDBSnapshotCommand, {
      DBSnapshotIdentifier: id,
      DBInstanceIdentifier: 'orders',
      Tags: expect.arrayContaining([{ Key: TAG.source, Value: db.arn }]),
    });
  });

  it("on a retry reuses the snapshot under its identifier when its tags say it is this run's", async () => {
    const id = rdsSnapshotIdentifier('run-1', 'orders');
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        {
          DBSnapshotIdentifier: id,
          Status: 'creating',
          TagList: [
            { Key: TAG.runId, Value: 'run-1' },
            { Key: TAG.source, Value: db.arn },
          ],
        },
      ],
    });

    await expect(
      rdsInstanceDriver.start({ resource: db, runId: 'run-1', mayExist: true, tags: tags(db) }),
    ).resolves.toEqual({ backupIds: [id], reused: true });
    expect(rds).toHaveReceivedCommandTimes(CreateDBSnapshotCommand, 0);
  });

  it('refuses to adopt a snapshot with its identifier that another run or source made', async () => {
    rds.on(CreateDBSnapshotCommand).rejects(awsError('DBSnapshotAlreadyExistsFault'));
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolves({ DBSnapshots: [{ DBSnapshotIdentifier: 'x', TagList: [{ Key: TAG.runId, Value: 'someone-else' }] }] });
    await expect(
      rdsInstanceDriver.start({ resource: db, runId: 'run-1', mayExist: false, tags: tags(db) }),
    ).rejects.toThrow(/not created by this run/);
  });

  it.each([
    ['InvalidDBInstanceState', InvalidResourceStateError],
    ['InvalidDBInstanceStateFault', InvalidResourceStateError],
    ['SnapshotQuotaExceeded', QuotaExceededError],
    ['DBInstanceNotFoundFault', ResourceNotFoundError],
    ['Throttling', ThrottledError],
  ])('maps %s from CreateDBSnapshot to %p', async (code, expected) => {
    rds.on(CreateDBSnapshotCommand).rejects(awsError(code));
    await expect(
      rdsInstanceDriver.start({ resource: db, runId: 'run-1', mayExist: false, tags: tags(db) }),
    ).rejects.toBeInstanceOf(expected);
  });

  it.each([
    [
      { Status: 'creating', PercentProgress: 42 },
      { status: 'CREATING', progress: 42 },
    ],
    [
      { Status: 'available', PercentProgress: 100 },
      { status: 'COMPLETED', progress: 100 },
    ],
    [{ Status: 'failed' }, { status: 'FAILED', reason: 'snapshot s is failed' }],
  ])('checks a DB snapshot %p as %p', async (snapshot, expected) => {
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ DBSnapshotIdentifier: 's', ...snapshot }] });
    await expect(rdsInstanceDriver.check(db, ['s'])).resolves.toEqual(expected);
  });
});

describe('backup stores', () => {
  const ours = [
    { Key: TAG.managedBy, Value: 'BackupPipeline' },
    { Key: TAG.source, Value: volume.arn },
    { Key: TAG.expiresAt, Value: '2026-01-01T00:00:00.000Z' },
  ];

  it('lists only snapshots tagged managed-by this stack, across pages, and marks the ones an AMI holds', async () => {
    ec2
      .on(DescribeSnapshotsCommand)
      .resolvesOnce({
        Snapshots: [{ SnapshotId: 'snap-1', State: 'completed', Tags: ours, StartTime: new Date('2025-12-01') }],
        NextToken: 'n',
      })
      .resolvesOnce({
        Snapshots: [
          { SnapshotId: 'snap-2', State: 'completed', Tags: ours },
          { SnapshotId: 'snap-foreign', State: 'completed', Tags: [{ Key: TAG.managedBy, Value: 'Other' }] },
        ],
      });
    ec2
      .on(DescribeImagesCommand)
      .resolves({ Images: [{ ImageId: 'ami-1', BlockDeviceMappings: [{ Ebs: { SnapshotId: 'snap-2' } }] }] });

    const owned = await ebsSnapshotStore.listOwned(REGION, 'BackupPipeline');

    expect(owned.map((b) => [b.id, b.heldBy, b.expiresAt?.toISOString()])).toEqual([
      ['snap-1', [], '2026-01-01T00:00:00.000Z'],
      ['snap-2', ['ami-1'], '2026-01-01T00:00:00.000Z'],
    ]);
    expect(ec2).toHaveReceivedNthSpecificCommandWith(1, DescribeSnapshotsCommand, {
      OwnerIds: ['self'],
      Filters: [{ Name: `tag:${TAG.managedBy}`, Values: ['BackupPipeline'] }],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['self'],
      Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: ['snap-1', 'snap-2'] }],
    });
  });

  it('reads RDS tags from DescribeDBSnapshots (no ListTagsForResource per snapshot)', async () => {
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        { DBSnapshotIdentifier: 'bp-1', Status: 'available', TagList: ours },
        { DBSnapshotIdentifier: 'manual', Status: 'available', TagList: [] },
      ],
    });
    const owned = await rdsSnapshotStore.listOwned(REGION, 'BackupPipeline');
    expect(owned.map((b) => b.id)).toEqual(['bp-1']);
    expect(rds).toHaveReceivedCommandWith(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' });
  });

  it('deletes through the API and maps an in-use snapshot to InvalidResourceStateError', async () => {
    ec2.on(DeleteSnapshotCommand).rejects(awsError('InvalidSnapshot.InUse'));
    const [backup] = [
      {
        kind: 'ebs-snapshot' as const,
        id: 'snap-1',
        region: REGION,
        source: undefined,
        tier: undefined,
        runId: undefined,
        managedBy: 'BackupPipeline',
        createdAt: new Date(),
        expiresAt: undefined,
        complete: true,
        heldBy: [],
      },
    ];
    await expect(ebsSnapshotStore.delete(backup)).rejects.toThrow(InvalidResourceStateError);
  });
});
