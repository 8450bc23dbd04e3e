/**
 * EBS snapshots: the backup kind both the EC2-instance and the EBS-volume drivers create.
 * Finding by the run-id tag is what makes start idempotent for EBS (CreateSnapshot has no client token).
 */
import {
  CopySnapshotCommand,
  DeleteSnapshotCommand,
  DescribeSnapshotsCommand,
  type Filter,
  paginateDescribeImages,
  paginateDescribeSnapshots,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { aws, InconsistentStateError } from '../../errors';
import { managedByAnotherService, ownershipOf, ownershipTags, TAG, tagValue } from '../../tags';
import { retryThrottled } from '../../throttle-retry';
import type { BackupStore, CheckResult, CopyRequest, OwnedBackup } from '../driver';
import { ec2Client, ec2CreateClient } from './client';

const IMAGE_FILTER_CHUNK = 200;

export async function findRunSnapshots(region: string, runId: string, sourceArn: string): Promise<string[]> {
  const filters: Filter[] = [
    { Name: `tag:${TAG.runId}`, Values: [runId] },
    { Name: `tag:${TAG.source}`, Values: [sourceArn] },
  ];
  const ids: string[] = [];
  await aws('EC2 DescribeSnapshots (find run snapshots)', async () => {
    for await (const page of paginateDescribeSnapshots(
      { client: ec2Client(region), pageSize: 1000 },
      { OwnerIds: ['self'], Filters: filters },
    )) {
      for (const s of page.Snapshots ?? []) if (s.SnapshotId && s.State !== 'error') ids.push(s.SnapshotId);
    }
  });
  return ids.sort();
}

function parsePercent(progress: string | undefined): number | undefined {
  if (!progress) return undefined;
  const value = Number.parseFloat(progress.replace('%', ''));
  return Number.isFinite(value) ? value : undefined;
}

/** One check for all snapshots of a backup: FAILED if any failed, COMPLETED when all are, else the slowest progress. */
export async function checkSnapshots(region: string, snapshotIds: string[]): Promise<CheckResult> {
  const out = await aws('EC2 DescribeSnapshots (check)', () =>
    ec2Client(region).send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds })),
  );
  const snapshots = out.Snapshots ?? [];
  const missing = snapshotIds.filter((id) => !snapshots.some((s) => s.SnapshotId === id));
  if (missing.length > 0) return { status: 'FAILED', reason: `snapshot(s) disappeared: ${missing.join(', ')}` };
  const failed = snapshots.filter((s) => s.State === 'error' || s.State === 'recoverable');
  if (failed.length > 0) {
    return {
      status: 'FAILED',
      reason: failed.map((s) => `${s.SnapshotId} ${s.State}${s.StateMessage ? `: ${s.StateMessage}` : ''}`).join('; '),
    };
  }
  if (snapshots.every((s) => s.State === 'completed')) return { status: 'COMPLETED', progress: 100 };
  const progresses = snapshots.map((s) => (s.State === 'completed' ? 100 : parsePercent(s.Progress)));
  const known = progresses.filter((p): p is number => p !== undefined);
  return { status: 'CREATING', progress: known.length === progresses.length ? Math.min(...known) : undefined };
}

/** The run's copies in a region, by the snapshot each was copied from. */
async function findCopies(request: CopyRequest): Promise<Map<string, string>> {
  const copies = new Map<string, string>();
  await aws(`EC2 DescribeSnapshots (copies in ${request.region})`, async () => {
    for await (const page of paginateDescribeSnapshots(
      { client: ec2Client(request.region), pageSize: 1000 },
      {
        OwnerIds: ['self'],
        Filters: [
          { Name: `tag:${TAG.runId}`, Values: [request.runId] },
          { Name: `tag:${TAG.source}`, Values: [request.resource.arn] },
        ],
      },
    )) {
      for (const s of page.Snapshots ?? []) {
        const of = tagValue(s.Tags, TAG.copyOf);
        if (of && s.SnapshotId && s.State !== 'error') copies.set(of, s.SnapshotId);
      }
    }
  });
  return copies;
}

/**
 * Copies each snapshot of a backup to another region (CopySnapshot runs in the destination), tagged
 * like the original plus the source region and the snapshot it copies, encrypted with the region's
 * key when one is given. CopySnapshot has no client token, so the run's copies there are looked up
 * first and only the missing ones started; the lookup is eventually consistent, so a retry runs it only
 * once it can see an earlier attempt's copies (`beforeKeylessCopy`): a retry never makes a second copy.
 */
export async function copySnapshots(request: CopyRequest): Promise<{ copyIds: string[]; reused: boolean }> {
  const existing = await findCopies(request);
  const copyIds: string[] = [];
  for (const snapshotId of request.backupIds) {
    const found = existing.get(snapshotId);
    if (found) {
      copyIds.push(found);
      continue;
    }
    // Never retried by the SDK (no client token): a retry is the workflow's, which looks the copies up first,
    // once the lookup can see this copy (the caller records the call time here: shared/workflow/copies/copies.ts).
    await request.beforeKeylessCopy?.();
    const out = await aws(`EC2 CopySnapshot ${snapshotId} to ${request.region}`, () =>
      ec2CreateClient(request.region).send(
        new CopySnapshotCommand({
          SourceRegion: request.resource.region,
          SourceSnapshotId: snapshotId,
          Description: `backup-pipeline ${request.tags.tier} ${request.runId} copy of ${snapshotId}`,
          ...(request.kmsKeyId ? { Encrypted: true, KmsKeyId: request.kmsKeyId } : {}),
          TagSpecifications: [
            {
              ResourceType: 'snapshot',
              Tags: [
                ...ownershipTags(request.tags),
                { Key: TAG.sourceRegion, Value: request.resource.region },
                { Key: TAG.copyOf, Value: snapshotId },
              ],
            },
          ],
        }),
      ),
    );
    if (!out.SnapshotId) throw new InconsistentStateError(`CopySnapshot of ${snapshotId} returned no snapshot id`);
    copyIds.push(out.SnapshotId);
  }
  return { copyIds, reused: existing.size > 0 && existing.size >= request.backupIds.length };
}

/**
 * Whether a snapshot tagged with this stack's managed-by is really one this project made. Tags can be
 * copied: CreateSnapshot(s) with CopyTagsFromSource copies a volume's tags, and a volume restored from
 * one of ours may carry our `backup-pipeline:*` tags, so anyone's snapshot of it (or ours, should its
 * copied tags win over ours) would read as one of our runs. The description cannot be copied or changed
 * after creation: the snapshot is ours only when it is the one our create call wrote for the run its
 * tags name (`backup-pipeline <tier> <run-id> ...`), or one AWS writes for the snapshots of an
 * image (CreateImage / CopyImage, which copy no volume tags). One AWS Backup or DLM manages never is.
 */
export function isOwnSnapshot(s: Pick<Snapshot, 'Description' | 'Tags'>, owners: string | readonly string[]): boolean {
  const managedBy = tagValue(s.Tags, TAG.managedBy);
  if (!managedBy || ![owners].flat().includes(managedBy) || managedByAnotherService(s.Tags)) return false;
  const description = s.Description ?? '';
  if (description.startsWith('Created by CreateImage(') || description.startsWith('Copied for DestinationAmi '))
    return true;
  // `backup-pipeline <tier> <run-id> ...`: the run the description names must be the run the tags name.
  const [word, , runId] = description.split(' ');
  return word === 'backup-pipeline' && runId !== undefined && runId === tagValue(s.Tags, TAG.runId);
}

function toOwned(region: string, s: Snapshot): OwnedBackup {
  return {
    kind: 'ebs-snapshot',
    id: s.SnapshotId ?? '',
    region,
    ...ownershipOf(s.Tags),
    createdAt: s.StartTime ?? new Date(0),
    complete: s.State === 'completed',
    ...(s.State === 'error' ? { failed: true } : {}),
    heldBy: [],
  };
}

export const ebsSnapshotStore: BackupStore = {
  kind: 'ebs-snapshot',
  // An instance's backup is one snapshot per volume, made together: a set with members to check.
  runSets: {
    madeBy: (sourceArn) => sourceArn.includes(':instance/'),
    isMember: (backupId) => backupId.startsWith('snap-'),
  },

  async listOwned(region, owners) {
    const owned: OwnedBackup[] = [];
    await aws('EC2 DescribeSnapshots (owned)', async () => {
      for await (const page of paginateDescribeSnapshots(
        { client: ec2Client(region), pageSize: 1000 },
        { OwnerIds: ['self'], Filters: [{ Name: `tag:${TAG.managedBy}`, Values: [owners].flat() }] },
      )) {
        for (const s of page.Snapshots ?? []) {
          // Belt and braces: the filter is server-side, the check here does not trust it (nor the tag alone).
          if (s.SnapshotId && isOwnSnapshot(s, owners)) owned.push(toOwned(region, s));
        }
      }
    });
    // A snapshot registered in an AMI cannot (and must not) be deleted: find the images that hold ours.
    const byId = new Map(owned.map((b) => [b.id, b]));
    const ids = [...byId.keys()];
    for (let i = 0; i < ids.length; i += IMAGE_FILTER_CHUNK) {
      const chunk = ids.slice(i, i + IMAGE_FILTER_CHUNK);
      // 100,000 snapshots take 500 of these, past DescribeImages' burst: each waits for its token instead
      // of failing the whole listing (a chunk read again only re-adds what it had added).
      await retryThrottled(() =>
        aws('EC2 DescribeImages (AMI-held snapshots)', async () => {
          for await (const page of paginateDescribeImages(
            { client: ec2Client(region), pageSize: 1000 },
            // A disabled AMI still holds its snapshots, but DescribeImages leaves it out unless asked.
            {
              Owners: ['self'],
              IncludeDisabled: true,
              Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: chunk }],
            },
          )) {
            for (const image of page.Images ?? []) {
              for (const mapping of image.BlockDeviceMappings ?? []) {
                const held = mapping.Ebs?.SnapshotId ? byId.get(mapping.Ebs.SnapshotId) : undefined;
                if (held && image.ImageId && !held.heldBy.includes(image.ImageId)) held.heldBy.push(image.ImageId);
              }
            }
          }
        }),
      );
    }
    return owned;
  },

  async delete(backup) {
    await aws(`EC2 DeleteSnapshot ${backup.id}`, () =>
      ec2Client(backup.region).send(new DeleteSnapshotCommand({ SnapshotId: backup.id })),
    );
  },
};
