/**
 * shared/services/ec2/ebs-volume-restore.ts against a mocked EC2: start (the recorded placement and
 * type, the restore tags and never the source's selection tag, a retry finds its volume, a taken Name is
 * refused before anything is made, bad settings name the field), check (creating, available with its
 * shape, error), and remove (only what this stack restored).
 */
import { CreateVolumeCommand, DeleteVolumeCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { InvalidInputError, InvalidResourceStateError, NameInUseError } from '../../../../shared/errors';
import { ebsVolumeRestore } from '../../../../shared/services/ec2/ebs-volume-restore';
import { RESTORE_TAG, type RestoreRequest } from '../../../../shared/services/restore';
import { mockedClient } from '../../../support/driver-harness';
import { REGION, restoreContextOf } from '../../../support/unit-fixtures';
import { ec2Error, volumeRef } from './fixtures';

const ec2 = mockedClient(EC2Client);

const OWNER = 'BackupPipeline@eu-west-1';
const request = (extra: Partial<RestoreRequest> = {}): RestoreRequest => ({
  restoreId: 'restore-1',
  region: REGION,
  sourceRegion: REGION,
  backupIds: ['snap-0aaaaaaaaaaaaaaaa'],
  name: 'orders-data-restored',
  settings: { availabilityZone: 'eu-west-1b', volumeType: 'gp3', iops: 4000, throughput: 250, sizeGiB: 100 },
  tags: {
    restoredBy: OWNER,
    restoreId: 'restore-1',
    sourceArn: volumeRef().arn,
    backupId: 'snap-0aaaaaaaaaaaaaaaa',
    drill: false,
  },
  ...extra,
});
const restoreIdFilter = { Name: `tag:${RESTORE_TAG.restoreId}`, Values: ['restore-1'] };

describe('ebsVolumeRestore.start', () => {
  it('creates the volume in the recorded zone with the recorded type, tagged with where it came from', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2.on(CreateVolumeCommand).resolves({ VolumeId: 'vol-0restored0000000' });

    // Act
    const started = await ebsVolumeRestore.start(request());

    // Assess
    expect(started).toEqual({ restoredIds: ['vol-0restored0000000'], reused: false });
    expect(ec2).toHaveReceivedCommandWith(CreateVolumeCommand, {
      SnapshotId: 'snap-0aaaaaaaaaaaaaaaa',
      AvailabilityZone: 'eu-west-1b',
      VolumeType: 'gp3',
      Iops: 4000,
      Throughput: 250,
      ClientToken: 'restore-1',
      TagSpecifications: [
        {
          ResourceType: 'volume',
          Tags: [
            { Key: 'Name', Value: 'orders-data-restored' },
            { Key: RESTORE_TAG.restoredBy, Value: OWNER },
            { Key: RESTORE_TAG.restoreId, Value: 'restore-1' },
            { Key: RESTORE_TAG.restoredFrom, Value: volumeRef().arn },
            { Key: RESTORE_TAG.restoredBackup, Value: 'snap-0aaaaaaaaaaaaaaaa' },
            { Key: RESTORE_TAG.drill, Value: 'false' },
          ],
        },
      ],
    });
  });

  it("places a drill's volume where the drill says, not where the source was", async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2.on(CreateVolumeCommand).resolves({ VolumeId: 'vol-0restored0000000' });
    await ebsVolumeRestore.start(request({ placement: { availabilityZone: 'eu-west-1c' } }));
    expect(ec2).toHaveReceivedCommandWith(CreateVolumeCommand, { AvailabilityZone: 'eu-west-1c' });
  });

  it("restores a DR copy in its own region's first zone: the recorded zone exists only in the source's", async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2.on(CreateVolumeCommand).resolves({ VolumeId: 'vol-0restored0000000' });
    await ebsVolumeRestore.start(request({ region: 'us-west-2' }));
    expect(ec2).toHaveReceivedCommandWith(CreateVolumeCommand, { AvailabilityZone: 'us-west-2a' });
  });

  it('on a retry finds the volume an earlier attempt made and creates nothing', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-0earlier00000000', State: 'creating' }] });

    // Act
    const started = await ebsVolumeRestore.start(request());

    // Assess
    expect(started).toEqual({ restoredIds: ['vol-0earlier00000000'], reused: true });
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, {
      Filters: [restoreIdFilter, { Name: 'status', Values: ['creating', 'available', 'in-use', 'error'] }],
    });
    expect(ec2).toHaveReceivedCommandTimes(CreateVolumeCommand, 0);
  });

  it('refuses a Name another volume carries, naming it, and makes nothing', async () => {
    // Prepare: nothing of this restore, but a live volume named the same.
    ec2
      .on(DescribeVolumesCommand)
      .callsFake((input: { Filters?: { Name?: string }[] }) =>
        input.Filters?.[0]?.Name === 'tag:Name'
          ? { Volumes: [{ VolumeId: 'vol-0someoneelse0000', State: 'in-use' }] }
          : { Volumes: [] },
      );

    // Act
    const error = await ebsVolumeRestore.start(request()).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(NameInUseError);
    expect((error as Error).message).toBe(
      'EBS volume name orders-data-restored is taken in eu-west-1 by vol-0someoneelse0000: nothing restored',
    );
    expect(ec2).toHaveReceivedCommandTimes(CreateVolumeCommand, 0);
  });

  it('names the recorded setting that is missing before calling AWS', async () => {
    const error = await ebsVolumeRestore.start(request({ settings: { volumeType: 'gp3' } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).fields).toEqual(['settings.availabilityZone']);
    expect(ec2).toHaveReceivedCommandTimes(DescribeVolumesCommand, 0);
  });

  it("maps AWS's refusal of a snapshot that is not yet completed to InvalidResourceStateError", async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2.on(CreateVolumeCommand).rejects(ec2Error('IncorrectState', 'Snapshot is in invalid state - pending'));
    await expect(ebsVolumeRestore.start(request())).rejects.toThrow(InvalidResourceStateError);
  });
});

describe('ebsVolumeRestore.check', () => {
  it('reports RESTORING while creating, then AVAILABLE with the size, type, encryption and zone', async () => {
    ec2
      .on(DescribeVolumesCommand)
      .resolvesOnce({ Volumes: [{ VolumeId: 'vol-0r', State: 'creating' }] })
      .resolves({
        Volumes: [
          {
            VolumeId: 'vol-0r',
            State: 'available',
            Size: 100,
            VolumeType: 'gp3',
            Encrypted: true,
            AvailabilityZone: 'eu-west-1b',
          },
        ],
      });
    await expect(ebsVolumeRestore.check(REGION, ['vol-0r'])).resolves.toEqual({
      status: 'RESTORING',
      state: 'creating',
    });
    await expect(ebsVolumeRestore.check(REGION, ['vol-0r'])).resolves.toEqual({
      status: 'AVAILABLE',
      shape: { volumeId: 'vol-0r', sizeGiB: 100, volumeType: 'gp3', encrypted: true, availabilityZone: 'eu-west-1b' },
    });
  });

  it('reports FAILED for a volume in error or gone', async () => {
    ec2.on(DescribeVolumesCommand).resolvesOnce({ Volumes: [{ VolumeId: 'vol-0r', State: 'error' }] });
    await expect(ebsVolumeRestore.check(REGION, ['vol-0r'])).resolves.toEqual({
      status: 'FAILED',
      reason: 'restored volume vol-0r is error',
    });
    // Asked through a volume-id filter: a volume gone is absent from the answer, not an error.
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    await expect(ebsVolumeRestore.check(REGION, ['vol-0r'])).resolves.toMatchObject({ status: 'FAILED' });
  });
});

describe('ebsVolumeRestore.remove', () => {
  const restored = (extra: object = {}) => ({
    VolumeId: 'vol-0r',
    State: 'available' as const,
    Tags: [{ Key: RESTORE_TAG.restoredBy, Value: OWNER }],
    ...extra,
  });

  it('deletes a volume this stack restored, then reports it gone once AWS no longer knows it', async () => {
    ec2.on(DescribeVolumesCommand).resolvesOnce({ Volumes: [restored()] });
    ec2.on(DeleteVolumeCommand).resolves({});
    await expect(ebsVolumeRestore.remove(REGION, ['vol-0r'], OWNER)).resolves.toBe('deleting');
    expect(ec2).toHaveReceivedCommandWith(DeleteVolumeCommand, { VolumeId: 'vol-0r' });

    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    await expect(ebsVolumeRestore.remove(REGION, ['vol-0r'], OWNER, restoreContextOf('restore-1'))).resolves.toBe(
      'gone',
    );
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, {
      Filters: [{ Name: 'volume-id', Values: ['vol-0r'] }],
    });
  });

  it('never deletes a volume without its restored-by tag', async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [restored({ Tags: [{ Key: 'Name', Value: 'prod' }] })] });
    await expect(ebsVolumeRestore.remove(REGION, ['vol-0r'], OWNER)).rejects.toThrow(
      'volume vol-0r was not restored by BackupPipeline@eu-west-1: not deleted',
    );
    expect(ec2).toHaveReceivedCommandTimes(DeleteVolumeCommand, 0);
  });

  it('waits on a volume already deleting without deleting it again', async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [restored({ State: 'deleting' })] });
    await expect(ebsVolumeRestore.remove(REGION, ['vol-0r'], OWNER)).resolves.toBe('deleting');
    expect(ec2).toHaveReceivedCommandTimes(DeleteVolumeCommand, 0);
  });
});
