/**
 * RDS snapshots of DB instances and Aurora clusters alike: the deterministic identifier (a retried start
 * finds the snapshot it already started, DESIGN §7), the tags a snapshot gets, how a refusal for the
 * source's state is judged, RDS's copy limits, and which snapshots are this stack's. The steps both
 * drivers take are in ./rds-driver.ts.
 */
import { createHash } from 'node:crypto';
import { awsErrorName, InvalidResourceStateError, LimitExceededError, rethrowAws } from '../../errors';
import { RDS_SNAPSHOT_PREFIX } from '../../names';
import type { ResourceRef } from '../../resource';
import {
  copyableTags,
  MAX_TAGS_PER_RESOURCE,
  managedByAnotherService,
  OWNERSHIP_TAG_COUNT,
  type OwnershipTagValues,
  ownershipOf,
  ownershipTags,
  TAG,
  type Tag,
  tagValue,
} from '../../tags';
import type { BackupKind, CheckResult, OwnedBackup } from '../driver';

/** `bp-<run>-<hash>-<db>`: letters, digits, single hyphens, ≤255, starts with a letter (RDS rules). */
export function rdsSnapshotIdentifier(runId: string, dbInstanceId: string): string {
  const slug = runId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 8);
  return `${RDS_SNAPSHOT_PREFIX}${slug ? `${slug}-` : ''}${hash}-${dbInstanceId.toLowerCase()}`
    .replace(/-{2,}/g, '-')
    .slice(0, 255);
}

/** Values per RDS Filter (db-instance-id, db-cluster-id) in one batched lookup: RDS accepts up to 100. */
export const RDS_FILTER_VALUES = 100;

const IN_PROGRESS = new Set(['creating', 'pending', 'copying', 'modifying']);

export function checkDbSnapshot(snapshot: {
  Status?: string;
  PercentProgress?: number;
  DBSnapshotIdentifier?: string;
}): CheckResult {
  const status = snapshot.Status ?? 'unknown';
  if (status === 'available') return { status: 'COMPLETED', progress: 100 };
  if (IN_PROGRESS.has(status)) return { status: 'CREATING', progress: snapshot.PercentProgress };
  return {
    status: 'FAILED',
    reason: `snapshot ${snapshot.DBSnapshotIdentifier ?? ''} is ${status}`.replace('  ', ' '),
  };
}

/**
 * Room for a source's own tags on its snapshot: RDS allows 50 tags per resource, and ours, and the
 * source-region tag its copies add, come first.
 */
const SOURCE_TAG_ROOM = MAX_TAGS_PER_RESOURCE - OWNERSHIP_TAG_COUNT - 1;

/**
 * The tags of an RDS instance or Aurora cluster that its snapshot gets: its own when its
 * CopyTagsToSnapshot asks for them, none otherwise, without `aws:` or `backup-pipeline:` keys and
 * within the room ours leave. Plan reads them from the description it already has (Discovered.sourceTags).
 */
export function tagsToCopy(source: {
  CopyTagsToSnapshot?: boolean | undefined;
  TagList?: { Key?: string; Value?: string }[] | undefined;
}): Tag[] {
  return source.CopyTagsToSnapshot ? copyableTags(source.TagList, SOURCE_TAG_ROOM) : [];
}

/**
 * A snapshot's tags: the source's own to copy (tagsToCopy; RDS would copy none itself, because ours are
 * passed), then ours. Filtered again, so tags read from a state item can never displace ours or pass 50.
 */
export function snapshotTags(sourceTags: readonly Tag[], values: OwnershipTagValues): Tag[] {
  return [...copyableTags(sourceTags, SOURCE_TAG_ROOM), ...ownershipTags(values)];
}

/**
 * RDS and Aurora statuses that pass on their own: CreateDB(Cluster)Snapshot refuses them now but will
 * take the snapshot once the instance or cluster is `available` again (a modification, a reboot, an
 * engine upgrade, its automated backup window, a configuration change). Anything else (stopped,
 * stopping, deleting, failed, incompatible-*, storage-full, inaccessible-encryption-credentials) needs
 * an operator and is recorded.
 */
const TRANSIENT_STATES = new Set([
  'backing-up',
  'converting-to-vpc',
  'creating',
  'maintenance',
  'migrating',
  'modifying',
  'moving-to-vpc',
  'promoting',
  'rebooting',
  'renaming',
  'resetting-master-credentials',
  'starting',
  'storage-config-upgrade',
  'update-iam-db-auth',
  'upgrading',
  'backtracking',
  'failing-over',
  // It takes snapshots; a refusal while it reads so is a race with another change: try again.
  'available',
  'storage-optimization',
]);

/** Whether an instance or cluster status passes on its own (the restore checks read `available` first). */
export function isTransientDbState(status: string | undefined): boolean {
  return status !== undefined && (TRANSIENT_STATES.has(status) || status.startsWith('configuring-'));
}

/**
 * The refusal of a snapshot for the state of its instance or cluster, judged by that state: a transient
 * one is a LimitExceededError (the ASL retries it with long intervals until the state passes), anything
 * else an InvalidResourceStateError naming the state (recorded, not retried). Only a refusal pays for
 * the describe that tells the state.
 */
export function stateRefusal(what: string, status: string | undefined, error: unknown, context: string): Error {
  if (isTransientDbState(status)) {
    return new LimitExceededError(
      `${context}: ${what} is ${status}, which passes: the snapshot is retried until it is available (backoff)`,
      { cause: error },
    );
  }
  return new InvalidResourceStateError(
    `${context}: ${what} is ${status ?? 'in an unknown state'}: ${(error as Error).message ?? String(error)}`,
    { cause: error },
  );
}

/**
 * RDS answers both of its copy limits with SnapshotQuotaExceeded: too many snapshots copying across
 * regions at once ("Cannot copy more than N snapshots across regions"), which passes, and the 100
 * manual snapshots of the destination, which does not. The first is a LimitExceededError (retried with
 * long intervals, never failed on first sight); the second stays QuotaExceededError.
 */
async function rdsCopy<T>(context: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const name = awsErrorName(error) ?? '';
    if (/^SnapshotQuotaExceeded/.test(name) && /across regions|concurrent/i.test((error as Error).message ?? '')) {
      throw new LimitExceededError(`${context}: ${name}: ${(error as Error).message}`, { cause: error });
    }
    rethrowAws(context, error);
  }
}

/**
 * A copy under a deterministic target identifier (CopyDBSnapshot, CopyDBClusterSnapshot). When the
 * identifier is taken, the copy was made already: by the SDK's own retry of a call whose answer was lost
 * (a 5xx after RDS made it), or by a concurrent attempt. `adopt` finds it (and checks it is this run's);
 * true when it was adopted, false when this call made it.
 */
export async function copyOrAdopt(
  context: string,
  alreadyExists: ReadonlySet<string>,
  copy: () => Promise<unknown>,
  adopt: () => Promise<boolean>,
): Promise<boolean> {
  try {
    await rdsCopy(context, copy);
    return false;
  } catch (error) {
    if (alreadyExists.has(awsErrorName(error) ?? '') && (await adopt())) return true;
    throw error;
  }
}

/**
 * Ensures a snapshot (DB or cluster) found under our deterministic identifier is really this run's for
 * this resource: the identifier alone could be someone else's.
 */
export function assertOwnSnapshot(
  snapshot: { TagList?: { Key?: string; Value?: string }[] },
  identifier: string,
  resource: ResourceRef,
  runId: string,
): void {
  if (tagValue(snapshot.TagList, TAG.source) !== resource.arn || tagValue(snapshot.TagList, TAG.runId) !== runId) {
    throw new InvalidResourceStateError(
      `snapshot ${identifier} exists but was not created by this run for ${resource.arn}`,
    );
  }
}

/**
 * An RDS or Aurora manual snapshot as retention sees it, or undefined when this stack's managed-by tag
 * is not on it (DescribeDB*Snapshots return TagList: never a ListTagsForResource per snapshot).
 *
 * Tags can be copied (a database restored from one of ours, with CopyTagsToSnapshot, passes our tags
 * to its own snapshots), so a tag alone does not make a snapshot ours: its identifier must be one this
 * project makes (`bp-`, the prefix IAM limits tagging and deleting to) and, when it names a run, the
 * very identifier that run makes for its database; one AWS Backup or DLM manages is never ours.
 */
export function ownedRdsSnapshot(
  kind: BackupKind,
  region: string,
  owners: string | readonly string[],
  id: string | undefined,
  s: { TagList?: { Key?: string; Value?: string }[]; SnapshotCreateTime?: Date; Status?: string },
  sourceId?: string,
): OwnedBackup | undefined {
  const managedBy = tagValue(s.TagList, TAG.managedBy);
  if (!id || !managedBy || ![owners].flat().includes(managedBy)) return undefined;
  if (!id.startsWith(RDS_SNAPSHOT_PREFIX) || managedByAnotherService(s.TagList)) return undefined;
  const runId = tagValue(s.TagList, TAG.runId);
  if (runId && sourceId && id !== rdsSnapshotIdentifier(runId, sourceId)) return undefined;
  return {
    kind,
    id,
    region,
    ...ownershipOf(s.TagList),
    createdAt: s.SnapshotCreateTime ?? new Date(0),
    complete: s.Status === 'available',
    ...(s.Status === 'failed' ? { failed: true } : {}),
    heldBy: [],
  };
}
