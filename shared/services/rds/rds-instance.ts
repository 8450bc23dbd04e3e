/**
 * RDS DB instances (an Aurora member selects its cluster, see ./aurora-cluster.ts). CreateDBSnapshot with a
 * deterministic identifier per run and instance, so a retried start finds the snapshot it already
 * started instead of creating a second one (DESIGN §7). A refusal for the instance's state is judged by
 * that state: one that passes (`backing-up`, `modifying`, `rebooting`, `upgrading`, `configuring-*`, ...)
 * is LimitExceededError, retried with long intervals; one that needs an operator (stopped, deleting,
 * failed, incompatible-*) is InvalidResourceStateError, recorded, not retried.
 */
import { createHash } from 'node:crypto';
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  type DBInstance,
  type DBSnapshot,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
} from '@aws-sdk/client-rds';
import { aws, awsErrorName, InvalidResourceStateError, LimitExceededError, ResourceNotFoundError } from '../../errors';
import { RDS_SNAPSHOT_PREFIX } from '../../names';
import type { ResourceRef } from '../../resource';
import {
  copyableTags,
  expiryOf,
  MAX_TAGS_PER_RESOURCE,
  managedByAnotherService,
  matchesTags,
  OWNERSHIP_TAG_COUNT,
  type OwnershipTagValues,
  ownershipTags,
  TAG,
  type Tag,
  tagValue,
} from '../../tags';
import type { BackupStore, CheckResult, Discovered, OwnedBackup, ResourceDriver } from '../driver';
import { resolveInBatches } from '../resolve';
import { auroraClusterArn } from './catalog';
import { rdsClient } from './client';

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

async function describeDbInstance(ref: ResourceRef): Promise<DBInstance> {
  const out = await aws(`RDS DescribeDBInstances ${ref.id}`, () =>
    rdsClient(ref.region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: ref.id })),
  );
  const instance = out.DBInstances?.[0];
  if (!instance) throw new ResourceNotFoundError(`RDS instance ${ref.id} not found in ${ref.region}`);
  return instance;
}

async function findSnapshot(region: string, identifier: string): Promise<DBSnapshot | undefined> {
  try {
    const out = await rdsClient(region).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: identifier }));
    return out.DBSnapshots?.[0];
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'DBSnapshotNotFound' || name === 'DBSnapshotNotFoundFault') return undefined;
    return aws(`RDS DescribeDBSnapshots ${identifier}`, () => Promise.reject(error));
  }
}

/** An Aurora member selects its cluster instead: Aurora is backed up once per cluster, never per member. */
function toDiscovered(ref: ResourceRef, instance: DBInstance): Discovered {
  const clusterId = instance.DBClusterIdentifier;
  if (clusterId) {
    const partition = ref.arn.split(':')[1] ?? 'aws';
    // No sourceTags: the cluster's own tags count, and a member's description does not carry them.
    return {
      ref,
      backedUpWith: {
        arn: auroraClusterArn(partition, ref.region, ref.accountId, clusterId),
        type: 'aurora-cluster',
        region: ref.region,
        accountId: ref.accountId,
        id: clusterId,
      },
      // A member's storage encryption is its cluster's: Plan carries it over to the cluster it selects.
      ...(instance.StorageEncrypted ? { encrypted: true } : {}),
    };
  }
  return { ref, ...(instance.StorageEncrypted ? { encrypted: true } : {}), sourceTags: tagsToCopy(instance) };
}

function refOf(region: string, instance: DBInstance): ResourceRef | undefined {
  const arn = instance.DBInstanceArn;
  const id = instance.DBInstanceIdentifier;
  if (!arn || !id) return undefined;
  return { arn, type: 'rds-instance', region, accountId: arn.split(':')[4] ?? '', id };
}

/** RDS allows 50 tags per resource; ours take 5 (and a copy's source-region one more). */
export const RDS_MAX_TAGS = MAX_TAGS_PER_RESOURCE;

/** Room for a source's own tags on its snapshot: ours, and the source-region tag its copies add, come first. */
const SOURCE_TAG_ROOM = RDS_MAX_TAGS - OWNERSHIP_TAG_COUNT - 1;

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

/** The snapshot's AllocatedStorage (GiB), which every snapshot description carries: no extra call. */
function sizeOf(snapshot: DBSnapshot | undefined): { sizeGiB?: number } {
  return snapshot?.AllocatedStorage !== undefined ? { sizeGiB: snapshot.AllocatedStorage } : {};
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
export async function rdsCopy<T>(context: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const name = awsErrorName(error) ?? '';
    if (/^SnapshotQuotaExceeded/.test(name) && /across regions|concurrent/i.test((error as Error).message ?? '')) {
      throw new LimitExceededError(`${context}: ${name}: ${(error as Error).message}`, { cause: error });
    }
    return aws(context, () => Promise.reject(error));
  }
}

const DB_SNAPSHOT_EXISTS = new Set(['DBSnapshotAlreadyExists', 'DBSnapshotAlreadyExistsFault']);

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

/** Ensures a snapshot found under our deterministic name is really ours for this resource. */
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
  kind: 'rds-snapshot' | 'rds-cluster-snapshot',
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
    source: tagValue(s.TagList, TAG.source),
    tier: tagValue(s.TagList, TAG.tier),
    runId: tagValue(s.TagList, TAG.runId),
    managedBy,
    createdAt: s.SnapshotCreateTime ?? new Date(0),
    expiresAt: expiryOf(s.TagList),
    complete: s.Status === 'available',
    heldBy: [],
  };
}

export const rdsSnapshotStore: BackupStore = {
  kind: 'rds-snapshot',

  async listOwned(region, owners) {
    const owned: OwnedBackup[] = [];
    await aws('RDS DescribeDBSnapshots (owned)', async () => {
      // DescribeDBSnapshots returns TagList: never a ListTagsForResource per snapshot (DESIGN §9).
      for await (const page of paginateDescribeDBSnapshots(
        { client: rdsClient(region), pageSize: 100 },
        { SnapshotType: 'manual' },
      )) {
        for (const s of page.DBSnapshots ?? []) {
          const backup = ownedRdsSnapshot(
            'rds-snapshot',
            region,
            owners,
            s.DBSnapshotIdentifier,
            s,
            s.DBInstanceIdentifier,
          );
          if (backup) owned.push(backup);
        }
      }
    });
    return owned;
  },

  async delete(backup) {
    await aws(`RDS DeleteDBSnapshot ${backup.id}`, () =>
      rdsClient(backup.region).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: backup.id })),
    );
  },
};

export const rdsInstanceDriver: ResourceDriver = {
  type: 'rds-instance',
  store: rdsSnapshotStore,
  // The snapshot identifier is deterministic per run and instance: RDS refuses a second (AlreadyExists).
  idempotentCreate: () => true,

  async discover(region, tags) {
    const found: Discovered[] = [];
    await aws('RDS DescribeDBInstances (discover)', async () => {
      // RDS cannot filter by tag server-side; DescribeDBInstances returns TagList, so filter here.
      for await (const page of paginateDescribeDBInstances({ client: rdsClient(region), pageSize: 100 }, {})) {
        for (const instance of page.DBInstances ?? []) {
          const ref = refOf(region, instance);
          if (ref && matchesTags(instance.TagList, tags)) found.push(toDiscovered(ref, instance));
        }
      }
    });
    return found;
  },

  async resolve(ref) {
    return toDiscovered(ref, await describeDbInstance(ref));
  },

  resolveAll(refs) {
    const region = refs[0]?.region ?? '';
    return resolveInBatches({
      refs,
      size: RDS_FILTER_VALUES,
      fallback: rdsInstanceDriver,
      missing: (ref) => `RDS instance ${ref.id} not found in ${ref.region}`,
      judge: toDiscovered,
      describe: (ids) =>
        aws(`RDS DescribeDBInstances (${ids.length} named)`, async () => {
          const found = new Map<string, DBInstance>();
          for await (const page of paginateDescribeDBInstances(
            { client: rdsClient(region), pageSize: 100 },
            { Filters: [{ Name: 'db-instance-id', Values: ids }] },
          )) {
            // RDS identifiers are case-insensitive and reported in lower case.
            for (const instance of page.DBInstances ?? []) {
              const id = instance.DBInstanceIdentifier;
              const asked = id ? ids.find((x) => x.toLowerCase() === id.toLowerCase()) : undefined;
              if (asked) found.set(asked, instance);
            }
          }
          return found;
        }),
    });
  },

  async start({ resource, tags, runId, mayExist, sourceTags }) {
    const identifier = rdsSnapshotIdentifier(runId, resource.id);
    if (mayExist) {
      // Before anything else: while the earlier attempt's snapshot runs, the instance reads
      // `backing-up` and CreateDBSnapshot would be refused for the wrong reason.
      const existing = await findSnapshot(resource.region, identifier);
      if (existing) {
        assertOwnSnapshot(existing, identifier, resource, runId);
        return { backupIds: [identifier], reused: true, ...sizeOf(existing) };
      }
    }
    // A CreateDBSnapshot that passes Tags gets only those: RDS copies none of the instance's tags then,
    // even with CopyTagsToSnapshot. So the instance's own setting is honoured here: its tags are copied
    // explicitly, ours winning on a clash, within RDS's 50 tags. Plan read them from the description it
    // made (no call here); only without them (an item written before Plan carried them) is it described.
    const own = sourceTags ?? tagsToCopy(await describeDbInstance(resource));
    try {
      const created = await rdsClient(resource.region).send(
        new CreateDBSnapshotCommand({
          DBSnapshotIdentifier: identifier,
          DBInstanceIdentifier: resource.id,
          Tags: snapshotTags(own, tags),
        }),
      );
      return { backupIds: [identifier], reused: false, ...sizeOf(created.DBSnapshot) };
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'DBSnapshotAlreadyExists' || name === 'DBSnapshotAlreadyExistsFault') {
        const raced = await findSnapshot(resource.region, identifier);
        if (raced) {
          assertOwnSnapshot(raced, identifier, resource, runId);
          return { backupIds: [identifier], reused: true, ...sizeOf(raced) };
        }
      }
      if (name === 'InvalidDBInstanceState' || name === 'InvalidDBInstanceStateFault') {
        const instance = await describeDbInstance(resource).catch((described: unknown) => {
          if (described instanceof ResourceNotFoundError) return undefined;
          throw described;
        });
        // An Aurora member is refused for what it is, not for a state that passes.
        if (!instance || instance.DBClusterIdentifier)
          return aws(`RDS CreateDBSnapshot ${resource.id}`, () => Promise.reject(error));
        throw stateRefusal(
          `RDS instance ${resource.id}`,
          instance.DBInstanceStatus,
          error,
          `RDS CreateDBSnapshot ${resource.id}`,
        );
      }
      return aws(`RDS CreateDBSnapshot ${resource.id}`, () => Promise.reject(error));
    }
  },

  async check(resource, backupIds) {
    const identifier = backupIds[0];
    if (!identifier) return { status: 'FAILED', reason: 'no snapshot identifier recorded' };
    const snapshot = await findSnapshot(resource.region, identifier);
    if (!snapshot) return { status: 'FAILED', reason: `DB snapshot ${identifier} disappeared` };
    return checkDbSnapshot(snapshot);
  },

  /**
   * CopyDBSnapshot in the destination under the same deterministic identifier, so the copy is found
   * there on a retry (or adopted when the copy call finds it taken). An encrypted snapshot needs a key of the destination region (checked at Plan).
   */
  async copy(resource, { backupIds, region, kmsKeyId, tags, runId }) {
    const identifier = backupIds[0];
    if (!identifier) throw new InvalidResourceStateError(`no snapshot of ${resource.id} to copy`);
    const existing = await findSnapshot(region, identifier);
    if (existing) {
      assertOwnSnapshot(existing, identifier, resource, runId);
      return { copyIds: [identifier], reused: true };
    }
    const partition = resource.arn.split(':')[1] ?? 'aws';
    const reused = await copyOrAdopt(
      `RDS CopyDBSnapshot ${identifier} to ${region}`,
      DB_SNAPSHOT_EXISTS,
      () =>
        rdsClient(region).send(
          new CopyDBSnapshotCommand({
            SourceDBSnapshotIdentifier: `arn:${partition}:rds:${resource.region}:${resource.accountId}:snapshot:${identifier}`,
            TargetDBSnapshotIdentifier: identifier,
            // The source ARN names another region: the SDK adds the pre-signed URL RDS needs from there.
            ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
            Tags: [...ownershipTags(tags), { Key: TAG.sourceRegion, Value: resource.region }],
          }),
        ),
      async () => {
        const raced = await findSnapshot(region, identifier);
        if (raced) assertOwnSnapshot(raced, identifier, resource, runId);
        return raced !== undefined;
      },
    );
    return { copyIds: [identifier], reused };
  },

  async checkCopy(_resource, region, copyIds) {
    const identifier = copyIds[0];
    if (!identifier) return { status: 'FAILED', reason: 'no copy identifier recorded' };
    const snapshot = await findSnapshot(region, identifier);
    if (!snapshot) return { status: 'FAILED', reason: `DB snapshot copy ${identifier} disappeared in ${region}` };
    return checkDbSnapshot(snapshot);
  },
};
