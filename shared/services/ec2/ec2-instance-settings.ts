/**
 * What restoring an EC2 instance's backup needs of it: its zone, instance type, subnet and security
 * groups (an AMI's restore, ./ec2-image-restore.ts) and each EBS volume's device, type and performance (a
 * snapshot set's restore, ./ec2-snapshot-set-restore.ts). The instance part comes from the
 * DescribeInstances answer discovery already has; the volumes' types are not in it, so they are read
 * with one DescribeVolumes per 200 volumes of all the instances found (completeVolumeShapes), never one
 * call per instance.
 */
import { type Instance, paginateDescribeVolumes } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { aws, ThrottledError } from '../../errors';
import { retryThrottled } from '../../throttle-retry';
import type { Discovered } from '../driver';
import { chunks } from '../resolve';
import { ec2Client } from './client';
import { volumeShape, volumeShapeSchema } from './volume-settings';

export const ec2InstanceRestoreSettingsSchema = z.object({
  availabilityZone: z.string().min(1),
  instanceType: z.string().min(1),
  subnetId: z.string().min(1).optional(),
  securityGroupIds: z.array(z.string().min(1)).default([]),
  /** Each attached EBS volume: its device and source volume id (a snapshot names the volume it was taken of). */
  volumes: z.array(volumeShapeSchema.extend({ device: z.string().min(1), volumeId: z.string().min(1) })).default([]),
});
export type Ec2InstanceRestoreSettings = z.infer<typeof ec2InstanceRestoreSettingsSchema>;

/** The instance part of its restore settings; undefined without a zone or type. */
export function ec2InstanceRestoreSettings(instance: Instance): Ec2InstanceRestoreSettings | undefined {
  const zone = instance.Placement?.AvailabilityZone;
  if (!zone || !instance.InstanceType) return undefined;
  return {
    availabilityZone: zone,
    instanceType: instance.InstanceType,
    ...(instance.SubnetId ? { subnetId: instance.SubnetId } : {}),
    securityGroupIds: (instance.SecurityGroups ?? []).map((g) => g.GroupId).filter((id): id is string => Boolean(id)),
    volumes: (instance.BlockDeviceMappings ?? []).flatMap((m) =>
      m.DeviceName && m.Ebs?.VolumeId ? [{ device: m.DeviceName, volumeId: m.Ebs.VolumeId }] : [],
    ),
  };
}

/** EC2 accepts up to 200 values in one filter. */
const VOLUME_FILTER_VALUES = 200;

/** Adds each recorded volume's type, IOPS, throughput and size: one DescribeVolumes per 200 volumes. */
export async function completeVolumeShapes(region: string, found: Discovered[]): Promise<Discovered[]> {
  const volumesOf = (d: Discovered) => (d.restoreSettings?.volumes ?? []) as Ec2InstanceRestoreSettings['volumes'];
  const ids = [...new Set(found.flatMap((d) => volumesOf(d).map((v) => v.volumeId)))];
  if (ids.length === 0) return found;
  const shapes = new Map<string, ReturnType<typeof volumeShape>>();
  for (const chunk of chunks(ids, VOLUME_FILTER_VALUES)) {
    try {
      await retryThrottled(() =>
        aws(`EC2 DescribeVolumes (${chunk.length} instance volumes)`, async () => {
          for await (const page of paginateDescribeVolumes(
            { client: ec2Client(region), pageSize: 500 },
            { Filters: [{ Name: 'volume-id', Values: chunk }] },
          )) {
            for (const v of page.Volumes ?? []) if (v.VolumeId) shapes.set(v.VolumeId, volumeShape(v));
          }
        }),
      );
    } catch (error) {
      // Settings for a later restore never fail a backup run: without a shape the restore takes AWS's defaults.
      if (!(error instanceof ThrottledError)) throw error;
    }
  }
  return found.map((d) =>
    d.restoreSettings
      ? {
          ...d,
          restoreSettings: {
            ...d.restoreSettings,
            volumes: volumesOf(d).map((v) => ({ ...shapes.get(v.volumeId), ...v })),
          },
        }
      : d,
  );
}
