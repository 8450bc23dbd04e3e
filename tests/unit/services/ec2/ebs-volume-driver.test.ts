/**
 * shared/services/ec2/ebs-volume.ts against a mocked EC2: discovery (pagination, attached volumes reported
 * as part of their instance, unsnapshottable states skipped), resolve, start (volume tags copied;
 * a retry finds the earlier snapshot by its tags), check, and error mapping.
 */
import {
  CreateSnapshotCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  type Volume,
} from '@aws-sdk/client-ec2';
import {
  InvalidResourceStateError,
  LimitExceededError,
  QuotaExceededError,
  ResourceNotFoundError,
  ThrottledError,
} from '../../../../shared/errors';
import { ebsVolumeDriver } from '../../../../shared/services/ec2/ebs-volume';
import { TAG } from '../../../../shared/tags';
import { BACKUP_TAG, mockedClient, startRequest } from '../../../support/driver-harness';
import { ACCOUNT, REGION, servePages } from '../../../support/unit-fixtures';
import { ec2Error, instanceRef, volumeRef } from './fixtures';

const ec2 = mockedClient(EC2Client);

const volume = volumeRef();
const described = (extra: Partial<Volume> = {}): Volume => ({ VolumeId: volume.id, State: 'available', ...extra });
const start = (mayExist: boolean) => ebsVolumeDriver.start(startRequest(volume, mayExist));

describe('ebsVolumeDriver.discover', () => {
  it('follows NextToken across pages with server-side tag filters', async () => {
    // Prepare
    const pages = servePages(
      [
        { Volumes: [{ VolumeId: 'vol-0000000000000000a', State: 'available', Tags: BACKUP_TAG }] },
        { Volumes: [{ VolumeId: 'vol-0000000000000000b', State: 'in-use', Tags: BACKUP_TAG }] },
        { Volumes: [{ VolumeId: 'vol-0000000000000000c', State: 'available', Tags: BACKUP_TAG }] },
      ],
      'NextToken',
    );
    ec2.on(DescribeVolumesCommand).callsFake(pages.fake);

    // Act
    const found = await ebsVolumeDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    expect(found.map((f) => f.ref)).toEqual([
      volumeRef('vol-0000000000000000a'),
      volumeRef('vol-0000000000000000b'),
      volumeRef('vol-0000000000000000c'),
    ]);
    expect(pages.tokens).toEqual([undefined, 'page-1', 'page-2']);
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, {
      Filters: [{ Name: 'tag:backup', Values: ['true'] }],
    });
  });

  it('reports an attached volume as part of its instance, so Plan can skip it when that instance is selected', async () => {
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        described({
          Tags: BACKUP_TAG,
          State: 'in-use',
          Attachments: [{ InstanceId: 'i-0123456789abcdef0', State: 'attached' }],
        }),
      ],
    });
    await expect(ebsVolumeDriver.discover(REGION, { backup: 'true' }, ACCOUNT)).resolves.toEqual([
      { ref: volume, partOf: instanceRef().arn, resourceTags: BACKUP_TAG },
    ]);
  });

  it('ignores a detached attachment', async () => {
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        described({ Tags: BACKUP_TAG, Attachments: [{ InstanceId: 'i-0123456789abcdef0', State: 'detached' }] }),
      ],
    });
    await expect(ebsVolumeDriver.discover(REGION, { backup: 'true' }, ACCOUNT)).resolves.toEqual([
      { ref: volume, resourceTags: BACKUP_TAG },
    ]);
  });

  it.each(['creating', 'deleting', 'deleted', 'error'])('skips a volume in state %s', async (state) => {
    ec2
      .on(DescribeVolumesCommand)
      .resolves({ Volumes: [described({ Tags: BACKUP_TAG, State: state as Volume['State'] })] });
    const [found] = await ebsVolumeDriver.discover(REGION, { backup: 'true' }, ACCOUNT);
    expect(found?.skipReason).toBe(`volume is ${state}`);
  });

  it('throws ThrottledError when EC2 throttles the describe', async () => {
    ec2.on(DescribeVolumesCommand).rejects(ec2Error('RequestLimitExceeded'));
    await expect(ebsVolumeDriver.discover(REGION, { backup: 'true' }, ACCOUNT)).rejects.toThrow(ThrottledError);
  });
});

describe('ebsVolumeDriver.resolve', () => {
  it('resolves an explicit volume, with the instance it belongs to', async () => {
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        described({ State: 'in-use', Attachments: [{ InstanceId: 'i-0123456789abcdef0', State: 'attached' }] }),
      ],
    });
    await expect(ebsVolumeDriver.resolve(volume)).resolves.toEqual({
      ref: volume,
      partOf: instanceRef().arn,
      resourceTags: [],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, { VolumeIds: [volume.id] });
  });

  it('throws ResourceNotFoundError for a volume that does not exist', async () => {
    ec2.on(DescribeVolumesCommand).rejects(ec2Error('InvalidVolume.NotFound'));
    await expect(ebsVolumeDriver.resolve(volume)).rejects.toThrow(ResourceNotFoundError);
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    await expect(ebsVolumeDriver.resolve(volume)).rejects.toThrow(`EBS volume ${volume.id} not found in ${REGION}`);
  });
});

describe('ebsVolumeDriver.start', () => {
  it('reports the volume size for the cost estimate from the calls it makes anyway', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [described({ Size: 100 })] });
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-v', VolumeSize: 100 });

    // Act
    const result = await start(false);

    // Assess
    expect(result).toEqual({ backupIds: ['snap-v'], reused: false, sizeGiB: 100 });
    expect(ec2).toHaveReceivedCommandTimes(DescribeVolumesCommand, 1);
  });

  it('creates one snapshot carrying the volume tags (not aws: ones) and the ownership tags', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        described({
          Tags: [
            { Key: 'Name', Value: 'orders-data' },
            { Key: 'aws:cloudformation:stack-name', Value: 'x' },
            { Key: TAG.expiresAt, Value: 'forged' },
          ],
        }),
      ],
    });
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-v' });

    // Act
    const result = await start(false);

    // Assess
    expect(result).toEqual({ backupIds: ['snap-v'], reused: false });
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotCommand, 1);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 0);
    expect(ec2).toHaveReceivedCommandWith(CreateSnapshotCommand, {
      VolumeId: volume.id,
      Description: `backup-pipeline daily run-1 ${volume.id}`,
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: [
            { Key: 'Name', Value: 'orders-data' },
            { Key: TAG.managedBy, Value: 'BackupPipeline' },
            { Key: TAG.runId, Value: 'run-1' },
            { Key: TAG.tier, Value: 'daily' },
            { Key: TAG.source, Value: volume.arn },
            { Key: TAG.expiresAt, Value: '2026-01-12T02:00:00.000Z' },
          ],
        },
      ],
    });
  });

  it('on a retry reuses the snapshot an earlier attempt created and creates none', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-earlier', State: 'pending' }] });

    await expect(start(true)).resolves.toEqual({ backupIds: ['snap-earlier'], reused: true });

    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotCommand, 0);
    expect(ec2).toHaveReceivedCommandTimes(DescribeVolumesCommand, 0);
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, {
      OwnerIds: ['self'],
      Filters: [
        { Name: `tag:${TAG.runId}`, Values: ['run-1'] },
        { Name: `tag:${TAG.source}`, Values: [volume.arn] },
      ],
    });
  });

  it('on a retry that finds nothing, creates the snapshot', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [described()] });
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-new' });
    await expect(start(true)).resolves.toEqual({ backupIds: ['snap-new'], reused: false });
  });

  it.each(['creating', 'deleting', 'error'])(
    'refuses a %s volume with InvalidResourceStateError and creates nothing',
    async (state) => {
      ec2.on(DescribeVolumesCommand).resolves({ Volumes: [described({ State: state as Volume['State'] })] });
      await expect(start(false)).rejects.toThrow(new InvalidResourceStateError(`EBS volume ${volume.id} is ${state}`));
      expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotCommand, 0);
    },
  );

  it('throws ResourceNotFoundError when the volume is gone', async () => {
    ec2.on(DescribeVolumesCommand).rejects(ec2Error('InvalidVolume.NotFound'));
    await expect(start(false)).rejects.toThrow(ResourceNotFoundError);
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotCommand, 0);
  });

  it.each([
    ['SnapshotCreationPerVolumeRateExceeded', ThrottledError],
    ['RequestLimitExceeded', ThrottledError],
    ['PendingSnapshotLimitExceeded', LimitExceededError],
    ['ConcurrentSnapshotLimitExceeded', LimitExceededError],
    ['SnapshotQuotaExceeded', QuotaExceededError],
    ['InvalidVolume.NotFound', ResourceNotFoundError],
    ['IncorrectState', InvalidResourceStateError],
  ])('maps %s from CreateSnapshot to %p', async (code, expected) => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [described()] });
    ec2.on(CreateSnapshotCommand).rejects(ec2Error(code));

    const attempt = start(false);

    await expect(attempt).rejects.toBeInstanceOf(expected);
    await expect(attempt).rejects.toThrow(`EC2 CreateSnapshot ${volume.id}: ${code}`);
  });

  it('refuses a CreateSnapshot answer without a snapshot id', async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [described()] });
    ec2.on(CreateSnapshotCommand).resolves({});
    await expect(start(false)).rejects.toThrow(InvalidResourceStateError);
  });
});

describe('ebsVolumeDriver.check', () => {
  it.each([
    [
      { State: 'completed' as const, Progress: '100%' },
      { status: 'COMPLETED', progress: 100 },
    ],
    [
      { State: 'pending' as const, Progress: '12.5%' },
      { status: 'CREATING', progress: 12.5 },
    ],
    [{ State: 'error' as const }, { status: 'FAILED', reason: 'snap-1 error' }],
    [{ State: 'recoverable' as const }, { status: 'FAILED', reason: 'snap-1 recoverable' }],
  ])('reads snapshot %p as %p', async (snapshot, expected) => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1', ...snapshot }] });
    await expect(ebsVolumeDriver.check(volume, ['snap-1'])).resolves.toEqual(expected);
  });

  it('maps a throttled check to ThrottledError', async () => {
    ec2.on(DescribeSnapshotsCommand).rejects(ec2Error('RequestLimitExceeded'));
    await expect(ebsVolumeDriver.check(volume, ['snap-1'])).rejects.toThrow(ThrottledError);
  });
});
