/**
 * shared/services/ec2/ec2-instance.ts against a mocked EC2: discovery (tag filters, pagination, skips),
 * resolve, start (one crash-consistent CreateSnapshots; a retry finds the earlier one by its tags),
 * check, the AMI modes (CreateImage under a name per run and instance, adopted on a retry or a
 * duplicate name when it is ours), and the mapping of EC2 errors to the ASL's named errors.
 */
import {
  CreateImageCommand,
  CreateSnapshotsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type Image,
  type ImageState,
  type Instance,
  type InstanceStateName,
} from '@aws-sdk/client-ec2';
import {
  InvalidResourceStateError,
  LimitExceededError,
  QuotaExceededError,
  ResourceNotFoundError,
  ThrottledError,
} from '../../../../shared/errors';
import type { ResourceRef } from '../../../../shared/resource';
import { amiName } from '../../../../shared/services/ec2/ec2-images';
import { ec2InstanceDriver, tagFilters } from '../../../../shared/services/ec2/ec2-instance';
import { TAG } from '../../../../shared/tags';
import { BACKUP_TAG, mockedClient, startRequest } from '../../../support/driver-harness';
import { ACCOUNT, ownedTags, ownershipValues, REGION, servePages } from '../../../support/unit-fixtures';
import { ec2Error, instanceRef } from './fixtures';

const ec2 = mockedClient(EC2Client);

const instance = instanceRef();
const withVolume = (id: string, state = 'running'): Instance => ({
  InstanceId: id,
  State: { Name: state as InstanceStateName },
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: `vol-of-${id}` } }],
});
const tagged = (id: string, state = 'running'): Instance => ({ ...withVolume(id, state), Tags: BACKUP_TAG });
const start = (mayExist: boolean) => ec2InstanceDriver.start(startRequest(instance, mayExist));

describe('ec2InstanceDriver.discover', () => {
  it('filters by every wanted tag and by live state on the server side', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });

    // Act
    await ec2InstanceDriver.discover(REGION, { backup: 'true', team: 'shop' }, ACCOUNT);

    // Assess
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [
        { Name: 'tag:backup', Values: ['true'] },
        { Name: 'tag:team', Values: ['shop'] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ],
    });
  });

  it('follows NextToken across every page', async () => {
    // Prepare
    const pages = servePages(
      [
        { Reservations: [{ OwnerId: ACCOUNT, Instances: [tagged('i-0000000000000000a')] }] },
        {
          Reservations: [
            { OwnerId: ACCOUNT, Instances: [tagged('i-0000000000000000b'), tagged('i-0000000000000000c')] },
          ],
        },
        { Reservations: [{ OwnerId: ACCOUNT, Instances: [tagged('i-0000000000000000d', 'stopped')] }] },
      ],
      'NextToken',
    );
    ec2.on(DescribeInstancesCommand).callsFake(pages.fake);

    // Act
    const found = await ec2InstanceDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    expect(found.map((f) => f.ref.id)).toEqual([
      'i-0000000000000000a',
      'i-0000000000000000b',
      'i-0000000000000000c',
      'i-0000000000000000d',
    ]);
    expect(pages.tokens).toEqual([undefined, 'page-1', 'page-2']);
  });

  it('returns small refs with the ARN built from region and owner', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ OwnerId: ACCOUNT, Instances: [tagged(instance.id)] }] });
    await expect(ec2InstanceDriver.discover(REGION, { backup: 'true' }, ACCOUNT)).resolves.toEqual([
      { ref: instance, resourceTags: BACKUP_TAG },
    ]);
  });

  it('marks an instance with only instance-store volumes as skipped', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-0000000000000000e', BlockDeviceMappings: [], Tags: BACKUP_TAG }] }],
    });
    const [found] = await ec2InstanceDriver.discover(REGION, { backup: 'true' }, ACCOUNT);
    expect(found?.skipReason).toBe('no EBS volumes (instance store only)');
  });

  it('throws ThrottledError when EC2 throttles the describe', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('RequestLimitExceeded'));
    await expect(ec2InstanceDriver.discover(REGION, { backup: 'true' }, ACCOUNT)).rejects.toThrow(ThrottledError);
  });
});

describe('ec2InstanceDriver.resolve', () => {
  it.each(['running', 'stopped', 'pending', 'stopping'])('accepts a %s instance', async (state) => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [withVolume(instance.id, state)] }] });
    await expect(ec2InstanceDriver.resolve(instance)).resolves.toEqual({ ref: instance, resourceTags: [] });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: [instance.id] });
  });

  it.each(['terminated', 'shutting-down'])('refuses a %s instance with InvalidResourceStateError', async (state) => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [withVolume(instance.id, state)] }] });
    await expect(ec2InstanceDriver.resolve(instance)).rejects.toThrow(
      new InvalidResourceStateError(`EC2 instance ${instance.id} is ${state}`),
    );
  });

  it('throws ResourceNotFoundError when EC2 says the instance does not exist', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('InvalidInstanceID.NotFound'));
    await expect(ec2InstanceDriver.resolve(instance)).rejects.toThrow(ResourceNotFoundError);
  });

  it('throws ResourceNotFoundError when the describe returns no such instance', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(ec2InstanceDriver.resolve(instance)).rejects.toThrow(
      `EC2 instance ${instance.id} not found in ${REGION}`,
    );
  });

  it('throws ThrottledError when EC2 throttles', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('RequestLimitExceeded'));
    await expect(ec2InstanceDriver.resolve(instance)).rejects.toThrow(ThrottledError);
  });
});

describe('ec2InstanceDriver.start', () => {
  it('reports the sum of the volume sizes CreateSnapshots returns, or no size when one is missing', async () => {
    // Prepare
    ec2
      .on(CreateSnapshotsCommand)
      .resolvesOnce({
        Snapshots: [
          { SnapshotId: 'snap-a', VolumeSize: 20 },
          { SnapshotId: 'snap-b', VolumeSize: 50 },
        ],
      })
      .resolvesOnce({ Snapshots: [{ SnapshotId: 'snap-a', VolumeSize: 20 }, { SnapshotId: 'snap-b' }] });

    // Act
    const known = await start(false);
    const partial = await start(false);

    // Assess
    expect(known).toEqual({ backupIds: ['snap-a', 'snap-b'], reused: false, sizeGiB: 70 });
    expect(partial).toEqual({ backupIds: ['snap-a', 'snap-b'], reused: false });
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 0);
  });

  it('creates one crash-consistent CreateSnapshots for all volumes, tagged, without any lookup first', async () => {
    // Prepare
    ec2.on(CreateSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-b' }, { SnapshotId: 'snap-a' }] });

    // Act
    const result = await start(false);

    // Assess
    expect(result).toEqual({ backupIds: ['snap-a', 'snap-b'], reused: false });
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotsCommand, 1);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 0);
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 0);
    expect(ec2).toHaveReceivedCommandWith(CreateSnapshotsCommand, {
      InstanceSpecification: { InstanceId: instance.id, ExcludeBootVolume: false },
      Description: `backup-pipeline daily run-1 ${instance.id}`,
      CopyTagsFromSource: 'volume',
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: [
            { Key: TAG.managedBy, Value: 'BackupPipeline' },
            { Key: TAG.runId, Value: 'run-1' },
            { Key: TAG.tier, Value: 'daily' },
            { Key: TAG.source, Value: instance.arn },
            { Key: TAG.expiresAt, Value: '2026-01-12T02:00:00.000Z' },
          ],
        },
      ],
    });
  });

  it('on a retry reuses the snapshots an earlier attempt created, found by run-id and source tags', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        { SnapshotId: 'snap-2', State: 'pending' },
        { SnapshotId: 'snap-1', State: 'completed' },
      ],
    });

    // Act
    const result = await start(true);

    // Assess
    expect(result).toEqual({ backupIds: ['snap-1', 'snap-2'], reused: true });
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotsCommand, 0);
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, {
      OwnerIds: ['self'],
      Filters: [
        { Name: `tag:${TAG.runId}`, Values: ['run-1'] },
        { Name: `tag:${TAG.source}`, Values: [instance.arn] },
      ],
    });
  });

  it('on a retry collects the earlier snapshots across DescribeSnapshots pages', async () => {
    const pages = servePages(
      [
        { Snapshots: [{ SnapshotId: 'snap-2', State: 'pending' }] },
        { Snapshots: [{ SnapshotId: 'snap-1', State: 'pending' }] },
      ],
      'NextToken',
    );
    ec2.on(DescribeSnapshotsCommand).callsFake(pages.fake);

    await expect(start(true)).resolves.toEqual({ backupIds: ['snap-1', 'snap-2'], reused: true });
    expect(pages.tokens).toEqual([undefined, 'page-1']);
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotsCommand, 0);
  });

  it('on a retry creates the backup when the earlier attempt left nothing usable', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-broken', State: 'error' }] });
    ec2.on(CreateSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-new' }] });

    await expect(start(true)).resolves.toEqual({ backupIds: ['snap-new'], reused: false });
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotsCommand, 1);
  });

  it('refuses an instance for which CreateSnapshots made no snapshot', async () => {
    ec2.on(CreateSnapshotsCommand).resolves({ Snapshots: [] });
    await expect(start(false)).rejects.toThrow(InvalidResourceStateError);
  });

  it.each([
    ['RequestLimitExceeded', ThrottledError],
    ['SnapshotCreationPerVolumeRateExceeded', ThrottledError],
    ['PendingSnapshotLimitExceeded', LimitExceededError],
    ['ConcurrentSnapshotLimitExceeded', LimitExceededError],
    ['SnapshotQuotaExceeded', QuotaExceededError],
    ['InvalidInstanceID.NotFound', ResourceNotFoundError],
    ['InvalidInstanceID.Malformed', ResourceNotFoundError],
    ['IncorrectInstanceState', InvalidResourceStateError],
  ])('maps %s from CreateSnapshots to %p, naming the call and the instance', async (code, expected) => {
    // Prepare
    ec2.on(CreateSnapshotsCommand).rejects(ec2Error(code));

    // Act
    const attempt = start(false);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(expected);
    await expect(attempt).rejects.toThrow(`EC2 CreateSnapshots ${instance.id}: ${code}`);
  });

  it('maps a throttled lookup on a retry to ThrottledError and creates nothing', async () => {
    ec2.on(DescribeSnapshotsCommand).rejects(ec2Error('RequestLimitExceeded'));
    await expect(start(true)).rejects.toThrow(ThrottledError);
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotsCommand, 0);
  });
});

describe('ec2InstanceDriver.check', () => {
  it('reports COMPLETED when every snapshot is completed', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        { SnapshotId: 'snap-1', State: 'completed', Progress: '100%' },
        { SnapshotId: 'snap-2', State: 'completed', Progress: '100%' },
      ],
    });
    await expect(ec2InstanceDriver.check(instance, ['snap-1', 'snap-2'])).resolves.toEqual({
      status: 'COMPLETED',
      progress: 100,
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { SnapshotIds: ['snap-1', 'snap-2'] });
  });

  it('reports CREATING with the progress of the slowest snapshot', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        { SnapshotId: 'snap-1', State: 'completed', Progress: '100%' },
        { SnapshotId: 'snap-2', State: 'pending', Progress: '37%' },
        { SnapshotId: 'snap-3', State: 'pending', Progress: '64%' },
      ],
    });
    await expect(ec2InstanceDriver.check(instance, ['snap-1', 'snap-2', 'snap-3'])).resolves.toEqual({
      status: 'CREATING',
      progress: 37,
    });
  });

  it('reports CREATING without progress while AWS reports none', async () => {
    ec2
      .on(DescribeSnapshotsCommand)
      .resolves({ Snapshots: [{ SnapshotId: 'snap-1', State: 'pending', Progress: '' }] });
    await expect(ec2InstanceDriver.check(instance, ['snap-1'])).resolves.toEqual({
      status: 'CREATING',
      progress: undefined,
    });
  });

  it('reports no progress (not 100%) while an unfinished snapshot reports none, even if another is complete', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        { SnapshotId: 'snap-1', State: 'completed', Progress: '100%' },
        { SnapshotId: 'snap-2', State: 'pending', Progress: '' },
      ],
    });
    await expect(ec2InstanceDriver.check(instance, ['snap-1', 'snap-2'])).resolves.toEqual({
      status: 'CREATING',
      progress: undefined,
    });
  });

  it('reports FAILED with the reason when any snapshot failed', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        { SnapshotId: 'snap-1', State: 'completed' },
        { SnapshotId: 'snap-2', State: 'error', StateMessage: 'volume unavailable' },
      ],
    });
    await expect(ec2InstanceDriver.check(instance, ['snap-1', 'snap-2'])).resolves.toEqual({
      status: 'FAILED',
      reason: 'snap-2 error: volume unavailable',
    });
  });

  it('reports FAILED when a snapshot is missing from the answer', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1', State: 'completed' }] });
    await expect(ec2InstanceDriver.check(instance, ['snap-1', 'snap-2'])).resolves.toEqual({
      status: 'FAILED',
      reason: 'snapshot(s) disappeared: snap-2',
    });
  });

  it.each([
    ['RequestLimitExceeded', ThrottledError],
    ['InvalidSnapshot.NotFound', ResourceNotFoundError],
  ])('maps %s from the check to %p', async (code, expected) => {
    ec2.on(DescribeSnapshotsCommand).rejects(ec2Error(code));
    await expect(ec2InstanceDriver.check(instance, ['snap-1'])).rejects.toBeInstanceOf(expected);
  });
});

describe('tagFilters', () => {
  it('builds one tag: filter per wanted tag', () => {
    expect(tagFilters({ a: '1', 'b c': '2' })).toEqual([
      { Name: 'tag:a', Values: ['1'] },
      { Name: 'tag:b c', Values: ['2'] },
    ]);
  });
});

describe('ec2InstanceDriver in an AMI mode', () => {
  const amiInstance: ResourceRef = { ...instance, mode: 'ami' };
  const name = amiName('run-1', instance.id);
  const startAmi = (mayExist: boolean, resource: ResourceRef = amiInstance) =>
    ec2InstanceDriver.start({ resource, runId: 'run-1', mayExist, tags: ownershipValues(instance) });
  const ourImage = (extra: Partial<Image> = {}): Image => ({
    ImageId: 'ami-0123456789abcdef0',
    Name: name,
    State: 'pending',
    Tags: ownedTags(instance, 'run-1'),
    ...extra,
  });
  const instanceTags = [
    { Key: 'Name', Value: 'web-1' },
    { Key: 'team', Value: 'shop' },
    { Key: 'aws:cloudformation:stack-name', Value: 'web' },
    { Key: 'backup-pipeline:mode', Value: 'ami' },
  ];
  beforeEach(() => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ ...withVolume(instance.id), Tags: instanceTags }] }],
    });
  });

  it('creates one image without reboot, named for the run and instance, image and snapshots tagged', async () => {
    // Prepare
    ec2.on(CreateImageCommand).resolves({ ImageId: 'ami-0123456789abcdef0' });

    // Act
    const result = await startAmi(false);

    // Assess
    expect(result).toEqual({ backupIds: ['ami-0123456789abcdef0'], reused: false });
    expect(ec2).toHaveReceivedCommandTimes(CreateImageCommand, 1);
    expect(ec2).toHaveReceivedCommandTimes(DescribeImagesCommand, 0);
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotsCommand, 0);
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: [instance.id] });
    // The instance's own tags travel too, but never aws: keys or our own (the mode tag stays on the instance).
    const tags = [...ownedTags(instance, 'run-1'), { Key: 'Name', Value: 'web-1' }, { Key: 'team', Value: 'shop' }];
    expect(ec2).toHaveReceivedCommandWith(CreateImageCommand, {
      InstanceId: instance.id,
      Name: name,
      Description: `backup-pipeline daily run-1 ${instance.id}`,
      NoReboot: true,
      TagSpecifications: [
        { ResourceType: 'image', Tags: tags },
        { ResourceType: 'snapshot', Tags: tags },
      ],
    });
  });

  it.each([
    ['ami', true],
    ['ami-reboot', false],
  ] as const)('in mode %s asks CreateImage for NoReboot %p', async (mode, noReboot) => {
    ec2.on(CreateImageCommand).resolves({ ImageId: 'ami-0123456789abcdef0' });
    await startAmi(false, { ...instance, mode });
    expect(ec2).toHaveReceivedCommandWith(CreateImageCommand, { NoReboot: noReboot });
  });

  it('on a retry adopts the image an earlier attempt created, found by its name among our own', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [ourImage()] });

    // Act
    const result = await startAmi(true);

    // Assess
    expect(result).toEqual({ backupIds: ['ami-0123456789abcdef0'], reused: true });
    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['self'],
      Filters: [{ Name: 'name', Values: [name] }],
    });
    expect(ec2).toHaveReceivedCommandTimes(CreateImageCommand, 0);
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 0);
  });

  it('on a retry creates the image when the earlier attempt made none', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });
    ec2.on(CreateImageCommand).resolves({ ImageId: 'ami-0000000000000000b' });
    await expect(startAmi(true)).resolves.toEqual({ backupIds: ['ami-0000000000000000b'], reused: false });
  });

  it('adopts its own image when CreateImage says the name is taken (an intent record lost)', async () => {
    // Prepare
    ec2.on(CreateImageCommand).rejects(ec2Error('InvalidAMIName.Duplicate'));
    ec2.on(DescribeImagesCommand).resolves({ Images: [ourImage({ State: 'available' })] });

    // Act
    const result = await startAmi(false);

    // Assess
    expect(result).toEqual({ backupIds: ['ami-0123456789abcdef0'], reused: true });
    expect(ec2).toHaveReceivedCommandTimes(CreateImageCommand, 1);
  });

  it.each([
    ['another run', ownedTags(instance, 'run-2')],
    ['another stack', ownedTags(instance, 'run-1', { managedBy: 'SomeoneElse' })],
    ['another instance', ownedTags(instanceRef('i-0fedcba9876543210'), 'run-1')],
    ['no one (untagged)', []],
  ])('refuses to adopt an image of that name tagged for %s', async (_who, tags) => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [ourImage({ Tags: tags })] });
    ec2.on(CreateImageCommand).rejects(ec2Error('InvalidAMIName.Duplicate'));

    // Act
    const onRetry = startAmi(true);
    const onDuplicate = startAmi(false);

    // Assess
    await expect(onRetry).rejects.toThrow(InvalidResourceStateError);
    await expect(onDuplicate).rejects.toThrow(/exists but was not created by this run/);
    expect(ec2).toHaveReceivedCommandTimes(CreateImageCommand, 1);
  });

  it.each([
    ['RequestLimitExceeded', ThrottledError],
    ['PendingSnapshotLimitExceeded', LimitExceededError],
    ['InvalidInstanceID.NotFound', ResourceNotFoundError],
    ['IncorrectInstanceState', InvalidResourceStateError],
  ])('maps %s from CreateImage to %p, naming the call and the instance', async (code, expected) => {
    ec2.on(CreateImageCommand).rejects(ec2Error(code));
    const attempt = startAmi(false);
    await expect(attempt).rejects.toBeInstanceOf(expected);
    await expect(attempt).rejects.toThrow(`EC2 CreateImage ${instance.id}: ${code}`);
  });

  it('throws ResourceNotFoundError before creating anything when the instance is gone', async () => {
    ec2.on(DescribeInstancesCommand).rejects(ec2Error('InvalidInstanceID.NotFound'));
    await expect(startAmi(false)).rejects.toThrow(ResourceNotFoundError);
    expect(ec2).toHaveReceivedCommandTimes(CreateImageCommand, 0);
  });

  it.each([
    ['pending', { status: 'CREATING', progress: undefined }],
    ['available', { status: 'COMPLETED', progress: 100 }],
    ['failed', { status: 'FAILED', reason: 'AMI ami-0123456789abcdef0 failed: snapshot error' }],
    ['invalid', { status: 'FAILED', reason: 'AMI ami-0123456789abcdef0 invalid: snapshot error' }],
    ['deregistered', { status: 'FAILED', reason: 'AMI ami-0123456789abcdef0 deregistered: snapshot error' }],
  ])('checks an image that is %s', async (state, expected) => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({
      Images: [
        ourImage({
          State: state as ImageState,
          ...(state === 'pending' || state === 'available' ? {} : { StateReason: { Message: 'snapshot error' } }),
        }),
      ],
    });

    // Act
    const result = await ec2InstanceDriver.check(amiInstance, ['ami-0123456789abcdef0']);

    // Assess
    expect(result).toEqual(expected);
    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, { ImageIds: ['ami-0123456789abcdef0'] });
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 0);
  });

  it('reports FAILED when the image is missing from the answer or EC2 no longer knows it', async () => {
    ec2.on(DescribeImagesCommand).resolvesOnce({ Images: [] }).rejectsOnce(ec2Error('InvalidAMIID.NotFound'));
    const disappeared = { status: 'FAILED', reason: 'AMI ami-0123456789abcdef0 disappeared' };
    await expect(ec2InstanceDriver.check(amiInstance, ['ami-0123456789abcdef0'])).resolves.toEqual(disappeared);
    await expect(ec2InstanceDriver.check(amiInstance, ['ami-0123456789abcdef0'])).resolves.toEqual(disappeared);
  });

  it('maps throttling of the check to ThrottledError', async () => {
    ec2.on(DescribeImagesCommand).rejects(ec2Error('RequestLimitExceeded'));
    await expect(ec2InstanceDriver.check(amiInstance, ['ami-0123456789abcdef0'])).rejects.toThrow(ThrottledError);
  });
});

describe('amiName', () => {
  it('is the same for the same run and instance and differs between runs that read alike', () => {
    expect(amiName('run-1', instance.id)).toBe(amiName('run-1', instance.id));
    expect(amiName('run:1', instance.id)).not.toBe(amiName('run-1', instance.id));
    expect(amiName('run-1', instance.id)).toMatch(new RegExp(`^bp-run-1-[0-9a-f]{8}-${instance.id}$`));
  });

  it('is a valid AMI name for any run id: 3-128 allowed characters', () => {
    for (const runId of ['x', 'daily/2026-01-05T02:00:00Z', `${'é'.repeat(90)}#${'a'.repeat(200)}`]) {
      expect(amiName(runId, 'i-0123456789abcdef0')).toMatch(/^[A-Za-z0-9()[\] ./'@_-]{3,128}$/);
    }
  });
});
