/**
 * Restore of a standalone EBS volume's snapshot: CreateVolume in the source's availability zone with its
 * volume type, IOPS and throughput as recorded when the backup was made (a drill may place it elsewhere).
 * The snapshot's encryption carries over: an encrypted snapshot makes a volume encrypted with the
 * snapshot's key (a DR copy's, in a DR region). A retry finds the volume an earlier attempt made by its
 * restore-id tag (and CreateVolume's ClientToken covers the call itself); a Name another volume carries
 * is refused with NameInUseError before anything is made.
 */
import {
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeVolumesCommand,
  type Volume,
  type VolumeType,
} from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { aws, awsErrorName, InvalidInputError, InvalidResourceStateError, NameInUseError } from '../../errors';
import { RESTORE_TAG, type RestoreDriver, restoreTags } from '../restore';
import { ec2Client } from './client';
import { tagFilters } from './ec2-instance';

/** What restoring a volume needs of its source, recorded when the backup was made. */
export const ebsVolumeRestoreSettingsSchema = z.object({
  availabilityZone: z.string().min(1),
  volumeType: z.string().min(1).optional(),
  iops: z.number().int().positive().optional(),
  throughput: z.number().int().positive().optional(),
  sizeGiB: z.number().positive().optional(),
});
export type EbsVolumeRestoreSettings = z.infer<typeof ebsVolumeRestoreSettingsSchema>;

/** A volume not yet deleted: `deleting` and `deleted` ones no longer hold a name. */
const LIVE = ['creating', 'available', 'in-use', 'error'];

export function parseRestoreSettings<T extends z.ZodType>(schema: T, settings: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(settings);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError(
    parsed.error.issues.map((issue) => ({
      field: ['settings', ...issue.path.map(String)].join('.'),
      message: `${what}: ${issue.message}`,
    })),
  );
}

async function volumesTagged(region: string, tags: Record<string, string>): Promise<Volume[]> {
  const out = await aws('EC2 DescribeVolumes (restored)', () =>
    ec2Client(region).send(
      new DescribeVolumesCommand({ Filters: [...tagFilters(tags), { Name: 'status', Values: LIVE }] }),
    ),
  );
  return out.Volumes ?? [];
}

async function describeVolumes(region: string, ids: readonly string[]): Promise<Volume[]> {
  try {
    const out = await ec2Client(region).send(new DescribeVolumesCommand({ VolumeIds: [...ids] }));
    return out.Volumes ?? [];
  } catch (error) {
    if (awsErrorName(error) === 'InvalidVolume.NotFound') return [];
    return aws('EC2 DescribeVolumes', () => Promise.reject(error));
  }
}

const tagValue = (volume: Volume, key: string) => volume.Tags?.find((t) => t.Key === key)?.Value;

export const ebsVolumeRestore: RestoreDriver = {
  type: 'ebs-volume',

  async start(request) {
    const settings = parseRestoreSettings(ebsVolumeRestoreSettingsSchema, request.settings, 'EBS volume');
    const [snapshotId, ...rest] = request.backupIds;
    if (!snapshotId || rest.length > 0)
      throw new InvalidInputError([
        { field: 'backupIds', message: 'an EBS volume restores from exactly one snapshot' },
      ]);
    const made = await volumesTagged(request.region, { [RESTORE_TAG.restoreId]: request.restoreId });
    const ids = made.map((v) => v.VolumeId).filter((id): id is string => id !== undefined);
    if (ids.length > 0) return { restoredIds: ids, reused: true };
    const named = await volumesTagged(request.region, { Name: request.name });
    if (named.length > 0)
      throw new NameInUseError(
        `EBS volume name ${request.name} is taken in ${request.region} by ${named.map((v) => v.VolumeId).join(', ')}: nothing restored`,
      );
    const out = await aws(`EC2 CreateVolume from ${snapshotId}`, () =>
      ec2Client(request.region).send(
        new CreateVolumeCommand({
          SnapshotId: snapshotId,
          AvailabilityZone: request.placement?.availabilityZone ?? settings.availabilityZone,
          ...(settings.volumeType ? { VolumeType: settings.volumeType as VolumeType } : {}),
          ...(settings.iops ? { Iops: settings.iops } : {}),
          ...(settings.throughput ? { Throughput: settings.throughput } : {}),
          TagSpecifications: [{ ResourceType: 'volume', Tags: restoreTags(request.tags, request.name) }],
          ClientToken: request.restoreId,
        }),
      ),
    );
    if (!out.VolumeId) throw new InvalidResourceStateError(`CreateVolume from ${snapshotId} returned no volume`);
    return { restoredIds: [out.VolumeId], reused: false };
  },

  async check(region, restoredIds) {
    const [volume] = await describeVolumes(region, restoredIds);
    if (!volume) return { status: 'FAILED', reason: `restored volume ${restoredIds.join(', ')} is gone` };
    if (volume.State === 'creating') return { status: 'RESTORING', state: 'creating' };
    if (volume.State === 'available' || volume.State === 'in-use') {
      return {
        status: 'AVAILABLE',
        shape: {
          volumeId: volume.VolumeId ?? '',
          sizeGiB: volume.Size ?? 0,
          volumeType: volume.VolumeType ?? '',
          encrypted: volume.Encrypted ?? false,
          availabilityZone: volume.AvailabilityZone ?? '',
        },
      };
    }
    return {
      status: 'FAILED',
      reason: `restored volume ${volume.VolumeId} is ${volume.State ?? 'in an unknown state'}`,
    };
  },

  async remove(region, restoredIds, restoredBy) {
    const volumes = (await describeVolumes(region, restoredIds)).filter((v) => v.State !== 'deleted');
    if (volumes.length === 0) return 'gone';
    for (const volume of volumes) {
      // Only what this stack restored: a volume without its restored-by tag is never deleted here.
      if (tagValue(volume, RESTORE_TAG.restoredBy) !== restoredBy)
        throw new InvalidResourceStateError(`volume ${volume.VolumeId} was not restored by ${restoredBy}: not deleted`);
      if (volume.State === 'deleting') continue;
      await aws(`EC2 DeleteVolume ${volume.VolumeId}`, () =>
        ec2Client(region).send(new DeleteVolumeCommand({ VolumeId: volume.VolumeId })),
      );
    }
    return 'deleting';
  },
};
