/**
 * AMIs: the backup of an EC2 instance in mode `ami` or `ami-reboot` (shared/services/modes.ts). One CreateImage
 * snapshots every EBS volume of the instance and registers them as one image; the image and each of its
 * snapshots carry the ownership tags. AMI names are unique per account and region, so a deterministic
 * name per run and instance is what makes start idempotent (DESIGN §7), as the identifier does for RDS.
 *
 * Retention (ec2ImageStore) deregisters an expired image, then deletes those of its snapshots that carry
 * this stack's managed-by tag. The EBS snapshot store never deletes a snapshot an image still uses.
 */
import { createHash } from 'node:crypto';
import {
  CopyImageCommand,
  CreateImageCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  type Image,
  paginateDescribeImages,
  paginateDescribeSnapshots,
} from '@aws-sdk/client-ec2';
import { aws, awsErrorName, InvalidResourceStateError, rethrowAws, toPipelineError } from '../../errors';
import type { ResourceRef } from '../../resource';
import { copyableTags, managedByAnotherService, ownershipOf, ownershipTags, TAG, type Tag, tagValue } from '../../tags';
import type { BackupStore, CheckResult, CopyRequest, OwnedBackup, StartRequest, StartResult } from '../driver';
import { ec2Client } from './client';

/** Image states that are on their way to `available`; every state but these and `available` is final. */
const IN_PROGRESS = new Set(['pending', 'transient']);

/**
 * The image's name: `bp-<run>-<hash>-<instance>`, unique per run and instance. AMI names allow 3-128
 * letters, digits and ( ) [ ] space . / - ' @ _; other characters of the run id become `-`, and the
 * hash of the whole run id keeps two run ids that read alike after that (or after truncation) apart.
 */
export function amiName(runId: string, instanceId: string): string {
  const slug = runId
    .replace(/[^A-Za-z0-9()[\] ./'@_-]+/g, '-')
    .slice(0, 80)
    .trim();
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 8);
  return `bp-${slug ? `${slug}-` : ''}${hash}-${instanceId}`.slice(0, 128);
}

/** Our image of that name, or undefined; DescribeImages answers an unknown name with an empty list. */
async function findImageByName(region: string, name: string): Promise<Image | undefined> {
  const out = await aws(`EC2 DescribeImages (name ${name})`, () =>
    ec2Client(region).send(
      new DescribeImagesCommand({
        Owners: ['self'],
        IncludeDisabled: true,
        Filters: [{ Name: 'name', Values: [name] }],
      }),
    ),
  );
  return out.Images?.find((image) => image.Name === name);
}

function adopt(image: Image, resource: ResourceRef, tags: StartRequest['tags']): StartResult {
  const own =
    tagValue(image.Tags, TAG.managedBy) === tags.stackName &&
    tagValue(image.Tags, TAG.runId) === tags.runId &&
    tagValue(image.Tags, TAG.source) === resource.arn;
  if (!own || !image.ImageId) {
    throw new InvalidResourceStateError(
      `AMI ${image.ImageId ?? '?'} named ${image.Name} exists but was not created by this run for ${resource.arn}`,
    );
  }
  return { backupIds: [image.ImageId], reused: true };
}

/**
 * Starts the AMI of an instance, or finds the one an earlier attempt started. `instanceTags` is asked
 * only when an image is created: CreateImage has no CopyTagsFromSource, so the instance's own tags (Name,
 * team, ...) are read once and written next to ours onto the image and its snapshots.
 */
export async function startImage(
  { resource, tags, runId, mayExist }: StartRequest,
  instanceTags: () => Promise<readonly { Key?: string; Value?: string }[] | undefined>,
): Promise<StartResult> {
  const name = amiName(runId, resource.id);
  if (mayExist) {
    const existing = await findImageByName(resource.region, name);
    if (existing) return adopt(existing, resource, tags);
  }
  const tagged: Tag[] = [...ownershipTags(tags), ...copyableTags(await instanceTags())];
  let imageId: string | undefined;
  try {
    const out = await ec2Client(resource.region).send(
      new CreateImageCommand({
        InstanceId: resource.id,
        Name: name,
        Description: `backup-pipeline ${tags.tier} ${runId} ${resource.id}`,
        // Without a reboot the image is crash-consistent, like CreateSnapshots; `ami-reboot` trades a
        // reboot of the instance for file systems that are consistent on disk.
        NoReboot: resource.mode === 'ami',
        TagSpecifications: [
          { ResourceType: 'image', Tags: tagged },
          { ResourceType: 'snapshot', Tags: tagged },
        ],
      }),
    );
    imageId = out.ImageId;
  } catch (error) {
    // The name is taken: an earlier attempt whose intent record was lost (or a concurrent one) made it.
    if (awsErrorName(error) === 'InvalidAMIName.Duplicate') {
      const raced = await findImageByName(resource.region, name);
      if (raced) return adopt(raced, resource, tags);
    }
    rethrowAws(`EC2 CreateImage ${resource.id}`, error);
  }
  if (!imageId) throw new InvalidResourceStateError(`EC2 CreateImage ${resource.id} returned no image id`);
  return { backupIds: [imageId], reused: false };
}

/** `pending` CREATING (AWS reports no progress for an image), `available` COMPLETED, anything else FAILED. */
/**
 * Copies the run's AMI to another region (CopyImage, run in the destination): the copy keeps the
 * image's name (names are per region), is tagged like the original plus the source region, image and
 * snapshots alike, and is encrypted under the region's key when one is given. The client token is
 * derived from the image and the destination, so a retried start gets the same copy back.
 */
export async function copyImage(request: CopyRequest): Promise<{ copyIds: string[]; reused: boolean }> {
  const imageId = request.backupIds[0];
  if (!imageId) throw new InvalidResourceStateError(`no AMI of ${request.resource.id} to copy`);
  const tags = [...ownershipTags(request.tags), { Key: TAG.sourceRegion, Value: request.resource.region }];
  const out = await aws(`EC2 CopyImage ${imageId} to ${request.region}`, () =>
    ec2Client(request.region).send(
      new CopyImageCommand({
        SourceImageId: imageId,
        SourceRegion: request.resource.region,
        Name: amiName(request.runId, request.resource.id),
        Description: `backup-pipeline ${request.tags.tier} ${request.runId} copy of ${imageId}`,
        ClientToken: createHash('sha256').update(`${imageId}|${request.region}`).digest('hex').slice(0, 64),
        ...(request.kmsKeyId ? { Encrypted: true, KmsKeyId: request.kmsKeyId } : {}),
        TagSpecifications: [
          { ResourceType: 'image', Tags: tags },
          { ResourceType: 'snapshot', Tags: tags },
        ],
      }),
    ),
  );
  if (!out.ImageId) throw new InvalidResourceStateError(`EC2 CopyImage ${imageId} returned no image id`);
  return { copyIds: [out.ImageId], reused: false };
}

export async function checkImage(region: string, backupIds: string[]): Promise<CheckResult> {
  const imageId = backupIds[0];
  if (!imageId) return { status: 'FAILED', reason: 'no AMI id recorded' };
  let image: Image | undefined;
  try {
    const out = await ec2Client(region).send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    image = out.Images?.find((i) => i.ImageId === imageId);
  } catch (error) {
    if (awsErrorName(error) !== 'InvalidAMIID.NotFound') {
      rethrowAws(`EC2 DescribeImages (check ${imageId})`, error);
    }
  }
  if (!image) return { status: 'FAILED', reason: `AMI ${imageId} disappeared` };
  const state = image.State ?? 'unknown';
  if (state === 'available') return { status: 'COMPLETED', progress: 100 };
  if (IN_PROGRESS.has(state)) return { status: 'CREATING', progress: undefined };
  const why = image.StateReason?.Message ?? image.StateReason?.Code;
  return { status: 'FAILED', reason: `AMI ${imageId} ${state}${why ? `: ${why}` : ''}` };
}

function toOwned(region: string, image: Image): OwnedBackup {
  const created = image.CreationDate ? new Date(image.CreationDate) : undefined;
  return {
    kind: 'ec2-image',
    id: image.ImageId ?? '',
    region,
    ...ownershipOf(image.Tags),
    createdAt: created && !Number.isNaN(created.getTime()) ? created : new Date(0),
    // A disabled image is finished (it can be re-enabled to restore) and expires like any other.
    complete: image.State === 'available' || image.State === 'disabled',
    heldBy: [],
    holds: (image.BlockDeviceMappings ?? [])
      .map((m) => m.Ebs?.SnapshotId)
      .filter((id): id is string => typeof id === 'string'),
  };
}

/** Runs a call, treating the named AWS errors as done (see the callers for why each is harmless). */
async function unless(codes: readonly string[], context: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (codes.includes(awsErrorName(error) ?? '')) return;
    throw toPipelineError(error, context);
  }
}

export const ec2ImageStore: BackupStore = {
  kind: 'ec2-image',

  async listOwned(region, owners) {
    const accepted = [owners].flat();
    const owned: OwnedBackup[] = [];
    await aws('EC2 DescribeImages (owned)', async () => {
      for await (const page of paginateDescribeImages(
        { client: ec2Client(region), pageSize: 1000 },
        // A disabled AMI of ours expires like any other (DescribeImages leaves it out unless asked).
        { Owners: ['self'], IncludeDisabled: true, Filters: [{ Name: `tag:${TAG.managedBy}`, Values: accepted }] },
      )) {
        for (const image of page.Images ?? []) {
          // The filter is server-side; the check here does not trust it. An image AWS Backup or DLM
          // manages is theirs, whatever tags it carries.
          const managedBy = tagValue(image.Tags, TAG.managedBy);
          if (image.ImageId && managedBy && accepted.includes(managedBy) && !managedByAnotherService(image.Tags))
            owned.push(toOwned(region, image));
        }
      }
    });
    return owned;
  },

  /**
   * Deregisters the image, then deletes its snapshots that carry this stack's managed-by tag (asked
   * before the image goes). An untagged or foreign snapshot is left alone, and so is one another AMI
   * still uses (InvalidSnapshot.InUse): the snapshot store decides about it once it is free.
   */
  async delete(backup) {
    const client = ec2Client(backup.region);
    const snapshotIds = backup.holds ?? [];
    const ours: string[] = [];
    if (snapshotIds.length > 0 && backup.managedBy) {
      const managedBy = backup.managedBy;
      await aws(`EC2 DescribeSnapshots (snapshots of ${backup.id})`, async () => {
        for await (const page of paginateDescribeSnapshots(
          { client, pageSize: 1000 },
          {
            OwnerIds: ['self'],
            Filters: [
              { Name: 'snapshot-id', Values: snapshotIds },
              { Name: `tag:${TAG.managedBy}`, Values: [managedBy] },
            ],
          },
        )) {
          for (const s of page.Snapshots ?? []) {
            if (s.SnapshotId && tagValue(s.Tags, TAG.managedBy) === managedBy) ours.push(s.SnapshotId);
          }
        }
      });
    }
    // Already deregistered: an earlier attempt got this far and failed on a snapshot.
    await unless(['InvalidAMIID.NotFound'], `EC2 DeregisterImage ${backup.id}`, () =>
      client.send(new DeregisterImageCommand({ ImageId: backup.id })),
    );
    for (const snapshotId of ours.sort()) {
      // Gone already, or used by another AMI (which AWS refuses and the snapshot store keeps).
      await unless(['InvalidSnapshot.NotFound', 'InvalidSnapshot.InUse'], `EC2 DeleteSnapshot ${snapshotId}`, () =>
        client.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })),
      );
    }
  },
};
