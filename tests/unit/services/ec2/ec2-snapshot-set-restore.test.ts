/**
 * shared/services/ec2/ec2-snapshot-set-restore.ts against a mocked EC2: one volume per snapshot in the
 * recorded zone with each source volume's recorded shape, named `<name>-<device>`, idempotent per volume
 * (a retry makes only the missing ones, client token `<restoreId>-<index>`), a taken Name refused before
 * anything is made; check (all available), remove (only what this stack restored).
 */
import {
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { NameInUseError } from '../../../../shared/errors';
import { ec2SnapshotSetRestore } from '../../../../shared/services/ec2/ec2-snapshot-set-restore';
import { RESTORE_TAG, type RestoreRequest, restoreTags } from '../../../../shared/services/restore';
import { mockedClient } from '../../../support/driver-harness';
import { REGION } from '../../../support/unit-fixtures';
import { instanceRef } from './fixtures';

const ec2 = mockedClient(EC2Client);

const OWNER = 'BackupPipeline@eu-west-1';
const request = (extra: Partial<RestoreRequest> = {}): RestoreRequest => ({
  restoreId: 'restore-1',
  region: REGION,
  sourceRegion: REGION,
  backupIds: ['snap-root', 'snap-data'],
  name: 'web-restored',
  settings: {
    availabilityZone: 'eu-west-1a',
    instanceType: 'm7g.large',
    volumes: [
      { device: '/dev/xvda', volumeId: 'vol-root', volumeType: 'gp3', sizeGiB: 8 },
      { device: '/dev/sdf', volumeId: 'vol-data', volumeType: 'io2', iops: 8000, sizeGiB: 500 },
    ],
  },
  tags: {
    restoredBy: OWNER,
    restoreId: 'restore-1',
    sourceArn: instanceRef().arn,
    backupId: 'snap-root',
    drill: false,
  },
  ...extra,
});
const snapshots = {
  Snapshots: [
    { SnapshotId: 'snap-data', VolumeId: 'vol-data' },
    { SnapshotId: 'snap-root', VolumeId: 'vol-root' },
  ],
};
const tagsFor = (snapshot: string, name: string) => restoreTags({ ...request().tags, backupId: snapshot }, name);

describe('ec2SnapshotSetRestore.start', () => {
  it("makes one volume per snapshot in the recorded zone with its source volume's shape, named by device", async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves(snapshots);
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2.on(CreateVolumeCommand, { SnapshotId: 'snap-root' }).resolves({ VolumeId: 'vol-new-root' });
    ec2.on(CreateVolumeCommand, { SnapshotId: 'snap-data' }).resolves({ VolumeId: 'vol-new-data' });

    // Act
    const started = await ec2SnapshotSetRestore.start(request());

    // Assess
    expect(started).toEqual({ restoredIds: ['vol-new-root', 'vol-new-data'], reused: false });
    expect(ec2).toHaveReceivedCommandWith(CreateVolumeCommand, {
      SnapshotId: 'snap-root',
      AvailabilityZone: 'eu-west-1a',
      VolumeType: 'gp3',
      ClientToken: 'restore-1-0',
      TagSpecifications: [{ ResourceType: 'volume', Tags: tagsFor('snap-root', 'web-restored-xvda') }],
    });
    expect(ec2).toHaveReceivedCommandWith(CreateVolumeCommand, {
      SnapshotId: 'snap-data',
      VolumeType: 'io2',
      Iops: 8000,
      ClientToken: 'restore-1-1',
      TagSpecifications: [{ ResourceType: 'volume', Tags: tagsFor('snap-data', 'web-restored-sdf') }],
    });
  });

  it('on a retry makes only the volume an earlier attempt did not', async () => {
    // Prepare: the root volume was made, tagged with its snapshot.
    ec2.on(DescribeSnapshotsCommand).resolves(snapshots);
    ec2
      .on(DescribeVolumesCommand)
      .callsFake((input: { Filters?: { Name?: string }[] }) =>
        input.Filters?.[0]?.Name === `tag:${RESTORE_TAG.restoreId}`
          ? { Volumes: [{ VolumeId: 'vol-new-root', Tags: tagsFor('snap-root', 'web-restored-xvda') }] }
          : { Volumes: [] },
      );
    ec2.on(CreateVolumeCommand).resolves({ VolumeId: 'vol-new-data' });

    // Act
    const started = await ec2SnapshotSetRestore.start(request());

    // Assess
    expect(started).toEqual({ restoredIds: ['vol-new-root', 'vol-new-data'], reused: false });
    expect(ec2).toHaveReceivedCommandTimes(CreateVolumeCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(CreateVolumeCommand, { SnapshotId: 'snap-data', ClientToken: 'restore-1-1' });
  });

  it('refuses a Name another volume carries, naming it, and makes nothing', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves(snapshots);
    ec2
      .on(DescribeVolumesCommand)
      .callsFake((input: { Filters?: { Name?: string }[] }) =>
        input.Filters?.[0]?.Name === 'tag:Name'
          ? { Volumes: [{ VolumeId: 'vol-other', Tags: [{ Key: 'Name', Value: 'web-restored-sdf' }] }] }
          : { Volumes: [] },
      );
    const error = await ec2SnapshotSetRestore.start(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NameInUseError);
    expect((error as Error).message).toContain('web-restored-sdf (vol-other)');
    expect(ec2).toHaveReceivedCommandTimes(CreateVolumeCommand, 0);
  });

  it('names a volume whose snapshot names no recorded volume (a DR copy) by its index', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-copy', VolumeId: 'vol-ffffffff' }] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2.on(CreateVolumeCommand).resolves({ VolumeId: 'vol-new' });
    await ec2SnapshotSetRestore.start(request({ backupIds: ['snap-copy'] }));
    expect(ec2).toHaveReceivedCommandWith(CreateVolumeCommand, {
      TagSpecifications: [{ ResourceType: 'volume', Tags: tagsFor('snap-copy', 'web-restored-vol0') }],
    });
  });
});

describe('ec2SnapshotSetRestore.check and remove', () => {
  it('reports RESTORING while any volume is creating, AVAILABLE with count and size when all are', async () => {
    ec2
      .on(DescribeVolumesCommand)
      .resolvesOnce({
        Volumes: [
          { VolumeId: 'v1', State: 'available', Size: 8 },
          { VolumeId: 'v2', State: 'creating' },
        ],
      })
      .resolves({
        Volumes: [
          { VolumeId: 'v1', State: 'available', Size: 8, Encrypted: true },
          { VolumeId: 'v2', State: 'available', Size: 500, Encrypted: true },
        ],
      });
    await expect(ec2SnapshotSetRestore.check(REGION, ['v1', 'v2'])).resolves.toEqual({
      status: 'RESTORING',
      state: '1 of 2 volumes creating',
    });
    await expect(ec2SnapshotSetRestore.check(REGION, ['v1', 'v2'])).resolves.toEqual({
      status: 'AVAILABLE',
      shape: { volumeCount: 2, totalSizeGiB: 508, volumeIds: 'v1,v2', encrypted: true },
    });
  });

  it('reports FAILED when a volume is gone or in error', async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'v1', State: 'error' }] });
    await expect(ec2SnapshotSetRestore.check(REGION, ['v1', 'v2'])).resolves.toEqual({
      status: 'FAILED',
      reason: 'restored volume(s) gone: v2',
    });
  });

  it('deletes only volumes carrying this stack’s restored-by tag', async () => {
    const ours = [{ Key: RESTORE_TAG.restoredBy, Value: OWNER }];
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        { VolumeId: 'v1', State: 'available', Tags: ours },
        { VolumeId: 'v2', State: 'available', Tags: [] },
      ],
    });
    await expect(ec2SnapshotSetRestore.remove(REGION, ['v1', 'v2'], OWNER)).rejects.toThrow(
      'volume v2 was not restored',
    );
    expect(ec2).toHaveReceivedCommandTimes(DeleteVolumeCommand, 0);

    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'v1', State: 'available', Tags: ours }] });
    await expect(ec2SnapshotSetRestore.remove(REGION, ['v1'], OWNER)).resolves.toBe('deleting');
    expect(ec2).toHaveReceivedCommandWith(DeleteVolumeCommand, { VolumeId: 'v1' });
  });
});
