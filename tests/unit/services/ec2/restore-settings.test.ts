/**
 * Restore settings capture for EC2 (Discovered.restoreSettings): discovery and resolve of an EBS volume
 * record its zone, type and performance from the DescribeVolumes answer they already make (no call of
 * their own), in the shape ebsVolumeRestore's schema parses.
 */
import { DescribeVolumesCommand, EC2Client, type Volume } from '@aws-sdk/client-ec2';
import { ebsVolumeDriver } from '../../../../shared/services/ec2/ebs-volume';
import { ebsVolumeRestoreSettingsSchema } from '../../../../shared/services/ec2/ebs-volume-restore';
import { BACKUP_TAG, mockedClient } from '../../../support/driver-harness';
import { ACCOUNT, REGION, volumeRef } from '../../../support/unit-fixtures';

const ec2 = mockedClient(EC2Client);

const volume = (extra: Partial<Volume> = {}): Volume => ({
  VolumeId: volumeRef().id,
  State: 'available',
  AvailabilityZone: 'eu-west-1b',
  VolumeType: 'gp3',
  Iops: 4000,
  Throughput: 250,
  Size: 100,
  Tags: BACKUP_TAG,
  ...extra,
});

describe('ebsVolumeDriver restore settings', () => {
  it('records the zone, type, IOPS, throughput and size discovery read, parseable by the restore schema, in one describe', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [volume()] });

    // Act
    const [found] = await ebsVolumeDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    const expected = { availabilityZone: 'eu-west-1b', volumeType: 'gp3', iops: 4000, throughput: 250, sizeGiB: 100 };
    expect(found?.restoreSettings).toEqual(expected);
    expect(ebsVolumeRestoreSettingsSchema.parse(found?.restoreSettings)).toEqual(expected);
    expect(ec2).toHaveReceivedCommandTimes(DescribeVolumesCommand, 1);
  });

  it("leaves out a gp2 volume's baseline IOPS, which CreateVolume would refuse", async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [volume({ VolumeType: 'gp2', Iops: 300, Throughput: 128 })] });

    // Act
    const found = await ebsVolumeDriver.resolve(volumeRef());

    // Assess
    expect(found.restoreSettings).toEqual({ availabilityZone: 'eu-west-1b', volumeType: 'gp2', sizeGiB: 100 });
  });

  it('keeps the io2 IOPS without a throughput, which only gp3 takes', async () => {
    ec2
      .on(DescribeVolumesCommand)
      .resolves({ Volumes: [volume({ VolumeType: 'io2', Iops: 16000, Throughput: 1000 })] });
    const found = await ebsVolumeDriver.resolve(volumeRef());
    expect(found.restoreSettings).toEqual({
      availabilityZone: 'eu-west-1b',
      volumeType: 'io2',
      iops: 16000,
      sizeGiB: 100,
    });
  });
});
