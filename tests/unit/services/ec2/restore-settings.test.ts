/**
 * Restore settings capture for EC2 (Discovered.restoreSettings): discovery and resolve of an EBS volume
 * record its zone, type and performance from the DescribeVolumes answer they already make (no call of
 * their own), in the shape ebsVolumeRestore's schema parses; an EC2 instance records its launch settings
 * from its description and its volumes' shapes from one DescribeVolumes for all instances found.
 */
import {
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  EC2Client,
  type Instance,
  type Volume,
} from '@aws-sdk/client-ec2';
import { ebsVolumeDriver } from '../../../../shared/services/ec2/ebs-volume';
import { ebsVolumeRestoreSettingsSchema } from '../../../../shared/services/ec2/ebs-volume-restore';
import { ec2InstanceDriver } from '../../../../shared/services/ec2/ec2-instance';
import { ec2InstanceRestoreSettingsSchema } from '../../../../shared/services/ec2/ec2-instance-settings';
import { BACKUP_TAG, mockedClient } from '../../../support/driver-harness';
import { ACCOUNT, REGION } from '../../../support/unit-fixtures';
import { instanceRef, volumeRef } from './fixtures';

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

describe('ec2InstanceDriver restore settings', () => {
  const instance = (id: string, volumes: string[]): Instance => ({
    InstanceId: id,
    InstanceType: 'm7g.large',
    State: { Name: 'running' },
    Placement: { AvailabilityZone: 'eu-west-1a' },
    SubnetId: 'subnet-0src',
    SecurityGroups: [{ GroupId: 'sg-0src', GroupName: 'web' }],
    BlockDeviceMappings: volumes.map((v, i) => ({
      DeviceName: i === 0 ? '/dev/xvda' : '/dev/sdf',
      Ebs: { VolumeId: v },
    })),
    Tags: BACKUP_TAG,
  });

  it("records each instance's launch settings and its volumes' shapes, with one DescribeVolumes for all of them", async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [instance('i-0a', ['vol-a1', 'vol-a2']), instance('i-0b', ['vol-b1'])] }],
    });
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        volume({ VolumeId: 'vol-a1', VolumeType: 'gp3', Iops: 3000, Throughput: 125, Size: 8 }),
        volume({ VolumeId: 'vol-a2', VolumeType: 'io2', Iops: 8000, Size: 500 }),
        volume({ VolumeId: 'vol-b1', VolumeType: 'gp2', Iops: 100, Size: 20 }),
      ],
    });

    // Act
    const found = await ec2InstanceDriver.discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    const first = {
      availabilityZone: 'eu-west-1a',
      instanceType: 'm7g.large',
      subnetId: 'subnet-0src',
      securityGroupIds: ['sg-0src'],
      volumes: [
        { device: '/dev/xvda', volumeId: 'vol-a1', volumeType: 'gp3', iops: 3000, throughput: 125, sizeGiB: 8 },
        { device: '/dev/sdf', volumeId: 'vol-a2', volumeType: 'io2', iops: 8000, sizeGiB: 500 },
      ],
    };
    expect(found[0]?.restoreSettings).toEqual(first);
    expect(found[1]?.restoreSettings).toMatchObject({
      volumes: [{ device: '/dev/xvda', volumeId: 'vol-b1', volumeType: 'gp2', sizeGiB: 20 }],
    });
    expect(ec2InstanceRestoreSettingsSchema.parse(found[0]?.restoreSettings)).toEqual(first);
    expect(ec2).toHaveReceivedCommandTimes(DescribeVolumesCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, {
      Filters: [{ Name: 'volume-id', Values: ['vol-a1', 'vol-a2', 'vol-b1'] }],
    });
  });

  it('records the same through resolve and resolveAll', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [instance(instanceRef().id, ['vol-a1'])] }] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [volume({ VolumeId: 'vol-a1', VolumeType: 'gp3', Size: 8 })] });
    const resolved = await ec2InstanceDriver.resolve(instanceRef());
    const [all] = (await ec2InstanceDriver.resolveAll?.([instanceRef()])) ?? [];
    expect(resolved.restoreSettings).toMatchObject({ volumes: [{ volumeId: 'vol-a1', volumeType: 'gp3' }] });
    expect(all && 'found' in all && all.found.restoreSettings).toEqual(resolved.restoreSettings);
  });
});
