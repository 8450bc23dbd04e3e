/**
 * What restoring an EBS volume needs of its source (zone, type, IOPS, throughput, size), as discovery reads
 * it from the DescribeVolumes answer it already has: the restore settings of a standalone volume
 * (./ebs-volume-restore.ts) and of each volume of an instance (./ec2-instance-settings.ts). A leaf, so
 * that the backup drivers and the restore drivers can both import it.
 */
import type { Volume } from '@aws-sdk/client-ec2';
import { z } from 'zod';

/** A volume's type and performance as CreateVolume takes them. */
export const volumeShapeSchema = z.object({
  volumeType: z.string().min(1).optional(),
  iops: z.number().int().positive().optional(),
  throughput: z.number().int().positive().optional(),
  sizeGiB: z.number().positive().optional(),
});
export type VolumeShape = z.infer<typeof volumeShapeSchema>;

/** Types whose IOPS CreateVolume accepts (gp2's are its baseline, which CreateVolume refuses to be given). */
const PROVISIONED_IOPS = new Set(['io1', 'io2', 'gp3']);

/** The shape of a described volume, with only what CreateVolume accepts for its type. */
export function volumeShape(volume: Pick<Volume, 'VolumeType' | 'Iops' | 'Throughput' | 'Size'>): VolumeShape {
  const type = volume.VolumeType;
  return {
    ...(type ? { volumeType: type } : {}),
    ...(type && PROVISIONED_IOPS.has(type) && volume.Iops ? { iops: volume.Iops } : {}),
    ...(type === 'gp3' && volume.Throughput ? { throughput: volume.Throughput } : {}),
    ...(volume.Size ? { sizeGiB: volume.Size } : {}),
  };
}
