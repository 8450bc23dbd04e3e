/**
 * The RDS driver both RDS DB instances (./rds-instance.ts) and Aurora clusters (./aurora-cluster.ts)
 * are: the same steps (discovery by TagList, batched lookups by identifier Filter, a start under the
 * run's deterministic identifier that finds an earlier attempt's snapshot, polling, a copy under the same
 * identifier that adopts a copy whose answer was lost, the snapshot store), given each one's calls.
 */
import type { Filter, RDSPaginationConfiguration } from '@aws-sdk/client-rds';
import {
  aws,
  awsErrorName,
  InvalidResourceStateError,
  ResourceNotFoundError,
  rethrowAws,
  ThrottledError,
} from '../../errors';
import type { ResourceRef, ResourceType } from '../../resource';
import { matchesTags, ownershipTags, TAG, type Tag } from '../../tags';
import { retryThrottled } from '../../throttle-retry';
import type {
  BackupQuota,
  BackupStore,
  CheckResult,
  CopyRequest,
  Discovered,
  OwnedBackup,
  ResourceDriver,
  StartRequest,
} from '../driver';
import { resolveByIdFilter } from '../resolve';
import { rdsClient } from './client';
import {
  assertOwnSnapshot,
  copyOrAdopt,
  ownedRdsSnapshot,
  RDS_FILTER_VALUES,
  rdsSnapshotIdentifier,
  snapshotTags,
  tagsToCopy,
} from './rds-snapshots';

type TagList = { Key?: string; Value?: string }[];
type Source = { TagList?: TagList; CopyTagsToSnapshot?: boolean };
type Snapshot = { TagList?: TagList; SnapshotCreateTime?: Date; Status?: string };

/** Calls of one RDS API family (instances or clusters; their snapshots), by name and by function. */
interface Describer<T> {
  /** The Describe call's name, for error contexts ("DescribeDBInstances"). */
  readonly call: string;
  /** The ones named `identifier` (an error when there is none, as RDS answers). */
  one(region: string, identifier: string): Promise<T[] | undefined>;
  /** Every page (100 a page) of the Describe call with `input`. */
  pages(region: string, input: { Filters?: Filter[]; SnapshotType?: string }): AsyncIterable<T[]>;
}

export interface RdsDriverSpec<T extends Source, S extends Snapshot> {
  readonly type: ResourceType;
  /** The account quota its manual snapshots count against (./account-quotas.ts). */
  readonly quota?: BackupQuota;
  /** How messages name a source ("RDS instance", "Aurora cluster"). */
  readonly what: string;
  /** The instances or clusters, their identifier Filter ("db-instance-id"), ARN and identifier. */
  readonly sources: Describer<T> & {
    readonly idFilter: string;
    arnOf(source: T): string | undefined;
    idOf(source: T): string | undefined;
  };
  /**
   * Whether a described source is this type's (the cluster engines share DescribeDBClusters); absent:
   * every one is. Tag discovery keeps only these.
   */
  owns?(source: T): boolean;
  /** The Filters tag discovery lists with (an engine's clusters only); absent: every one is listed. */
  readonly discoverFilters?: Filter[];
  /** What Plan learns from a source's description (its ref typed by what it is). */
  toDiscovered(ref: ResourceRef, source: T): Discovered;
  /**
   * Completes what the descriptions could not tell (an Aurora cluster's writer class), in one batched
   * call per up to 100 found, never one per resource. Absent: the descriptions tell all.
   */
  complete?(region: string, found: Discovered[]): Promise<Discovered[]>;
  readonly snapshots: Describer<S> & {
    readonly kind: OwnedBackup['kind'];
    /** How messages name one ("snapshot", "cluster snapshot"). */
    readonly noun: string;
    /** Its type in an ARN ("snapshot", "cluster-snapshot"), for a copy's source. */
    readonly arnType: string;
    /** The codes RDS answers a lookup with when there is none, and a create or copy when the identifier is taken. */
    readonly notFound: ReadonlySet<string>;
    readonly alreadyExists: ReadonlySet<string>;
    /** The calls' names, for error contexts. */
    readonly calls: { readonly create: string; readonly copy: string; readonly delete: string };
    idOf(snapshot: S): string | undefined;
    /** The identifier of the instance or cluster it was taken of. */
    sourceIdOf(snapshot: S): string | undefined;
    check(snapshot: S): CheckResult;
    create(resource: ResourceRef, identifier: string, tags: Tag[]): Promise<S | undefined>;
    /**
     * The copy call; `refused` when AWS refused it for a reason only the operator can remedy (a group the
     * destination lacks), recorded as that region's FAILED copy.
     */
    copy(request: CopyRequest, source: string, target: string, tags: Tag[]): Promise<{ refused: string } | undefined>;
    remove(region: string, identifier: string): Promise<unknown>;
    /** What a create's answer tells of the backup's size (instances: AllocatedStorage). */
    sizeOf?(snapshot: S | undefined): { sizeGiB?: number };
  };
  /** The error a create refused for the source's state becomes, or undefined to map the refusal as it is. */
  refusedForState(resource: ResourceRef, error: unknown): Promise<Error | undefined>;
}

/** Describer.pages from an RDS paginator and the list each page holds: 100 a page. */
export function rdsPages<I, P, T>(
  paginate: (config: RDSPaginationConfiguration, input: I) => AsyncIterable<P>,
  items: (page: P) => T[] | undefined,
): (region: string, input: I) => AsyncIterable<T[]> {
  return async function* (region, input) {
    for await (const page of paginate({ client: rdsClient(region), pageSize: 100 }, input)) yield items(page) ?? [];
  };
}

/** The instance or cluster `ref` names; ResourceNotFoundError when there is none. */
export async function describeSource<T extends Source>(spec: RdsDriverSpec<T, Snapshot>, ref: ResourceRef): Promise<T> {
  const out = await aws(`RDS ${spec.sources.call} ${ref.id}`, () => spec.sources.one(ref.region, ref.id));
  const source = out?.[0];
  if (!source) throw new ResourceNotFoundError(`${spec.what} ${ref.id} not found in ${ref.region}`);
  return source;
}

export function rdsDriver<T extends Source, S extends Snapshot>(spec: RdsDriverSpec<T, S>): ResourceDriver {
  const { sources, snapshots } = spec;
  // Settings for a later restore never fail a backup run: throttled past its retries, they are left out.
  const complete = async (region: string, found: Discovered[]) =>
    spec.complete && found.length > 0
      ? retryThrottled(() => (spec.complete as NonNullable<typeof spec.complete>)(region, found)).catch((error) =>
          error instanceof ThrottledError ? found : Promise.reject(error),
        )
      : found;
  const sizeOf = snapshots.sizeOf ?? (() => ({}));

  async function find(region: string, identifier: string): Promise<S | undefined> {
    try {
      return (await snapshots.one(region, identifier))?.[0];
    } catch (error) {
      if (snapshots.notFound.has(awsErrorName(error) ?? '')) return undefined;
      rethrowAws(`RDS ${snapshots.call} ${identifier}`, error);
    }
  }

  /** The snapshot under `identifier`, checked to be this run's for `resource`; undefined when there is none. */
  async function findOwn(region: string, identifier: string, resource: ResourceRef, runId: string) {
    const found = await find(region, identifier);
    if (found) assertOwnSnapshot(found, identifier, resource, runId);
    return found;
  }

  /** Polls a snapshot (`copyIn`: a copy in that region) by the identifier recorded for it. */
  async function check(region: string, identifier: string | undefined, copyIn?: string): Promise<CheckResult> {
    if (!identifier)
      return {
        status: 'FAILED',
        reason: copyIn ? 'no copy identifier recorded' : `no ${snapshots.noun} identifier recorded`,
      };
    const snapshot = await find(region, identifier);
    if (!snapshot) {
      const reason = copyIn
        ? `DB ${snapshots.noun} copy ${identifier} disappeared in ${copyIn}`
        : `DB ${snapshots.noun} ${identifier} disappeared`;
      return { status: 'FAILED', reason };
    }
    return snapshots.check(snapshot);
  }

  function refOf(region: string, source: T): ResourceRef | undefined {
    const arn = sources.arnOf(source);
    const id = sources.idOf(source);
    if (!arn || !id) return undefined;
    return { arn, type: spec.type, region, accountId: arn.split(':')[4] ?? '', id };
  }

  const store: BackupStore = {
    kind: snapshots.kind,

    async listOwned(region, owners) {
      const owned: OwnedBackup[] = [];
      await aws(`RDS ${snapshots.call} (owned)`, async () => {
        // DescribeDB(Cluster)Snapshots return TagList: never a ListTagsForResource per snapshot (DESIGN §9).
        for await (const page of snapshots.pages(region, { SnapshotType: 'manual' })) {
          for (const s of page) {
            const backup = ownedRdsSnapshot(
              snapshots.kind,
              region,
              owners,
              snapshots.idOf(s),
              s,
              snapshots.sourceIdOf(s),
            );
            if (backup) owned.push(backup);
          }
        }
      });
      return owned;
    },

    async delete(backup) {
      await aws(`RDS ${snapshots.calls.delete} ${backup.id}`, () => snapshots.remove(backup.region, backup.id));
    },
  };

  const driver: ResourceDriver = {
    type: spec.type,
    ...(spec.quota ? { backupQuota: spec.quota } : {}),
    store,
    // The snapshot identifier is deterministic per run and source: RDS refuses a second (AlreadyExists).
    idempotentCreate: () => true,

    async discover(region, tags) {
      const found: Discovered[] = [];
      await aws(`RDS ${sources.call} (discover)`, async () => {
        // RDS cannot filter by tag server-side; its Describe calls return TagList, so filter here.
        for await (const page of sources.pages(region, spec.discoverFilters ? { Filters: spec.discoverFilters } : {})) {
          for (const source of page) {
            const ref = refOf(region, source);
            if (spec.owns && !spec.owns(source)) continue;
            if (ref && matchesTags(source.TagList, tags)) found.push(spec.toDiscovered(ref, source));
          }
        }
      });
      return complete(region, found);
    },

    async resolve(ref) {
      const [found] = await complete(ref.region, [spec.toDiscovered(ref, await describeSource(spec, ref))]);
      return found as Discovered;
    },

    async resolveAll(refs) {
      const resolutions = await resolveByIdFilter({
        refs,
        size: RDS_FILTER_VALUES,
        fallback: driver,
        judge: spec.toDiscovered,
        what: spec.what,
        context: `RDS ${sources.call}`,
        pages: (region, ids) => sources.pages(region, { Filters: [{ Name: sources.idFilter, Values: ids }] }),
        idOf: sources.idOf,
        // RDS identifiers are case-insensitive and reported in lower case.
        caseInsensitive: true,
      });
      const found = resolutions.flatMap((r) => ('found' in r ? [r.found] : []));
      const completed = new Map((await complete(refs[0]?.region ?? '', found)).map((d, i) => [found[i], d]));
      return resolutions.map((r) => ('found' in r ? { ref: r.ref, found: completed.get(r.found) ?? r.found } : r));
    },

    async start({ resource, tags, runId, mayExist, sourceTags }: StartRequest) {
      const identifier = rdsSnapshotIdentifier(runId, resource.id);
      if (mayExist) {
        // Before anything else: while the earlier attempt's snapshot runs, the source reads `backing-up`
        // and the create would be refused for the wrong reason.
        const existing = await findOwn(resource.region, identifier, resource, runId);
        if (existing) return { backupIds: [identifier], reused: true, ...sizeOf(existing) };
      }
      // A create that passes Tags gets only those: RDS copies none of the source's tags then, even with
      // CopyTagsToSnapshot. So the source's own setting is honoured here: its tags are copied explicitly,
      // ours winning on a clash, within RDS's 50 tags. Plan read them from the description it made (no
      // call here); only without them (an item written before Plan carried them, or an Aurora cluster
      // selected through a member, whose description does not carry the cluster's tags) is it described.
      const own = sourceTags ?? tagsToCopy(await describeSource(spec, resource));
      try {
        const created = await snapshots.create(resource, identifier, snapshotTags(own, tags));
        return { backupIds: [identifier], reused: false, ...sizeOf(created) };
      } catch (error) {
        if (snapshots.alreadyExists.has(awsErrorName(error) ?? '')) {
          const raced = await findOwn(resource.region, identifier, resource, runId);
          if (raced) return { backupIds: [identifier], reused: true, ...sizeOf(raced) };
        }
        const refusal = await spec.refusedForState(resource, error);
        if (refusal) throw refusal;
        rethrowAws(`RDS ${snapshots.calls.create} ${resource.id}`, error);
      }
    },

    check(resource, backupIds) {
      return check(resource.region, backupIds[0]);
    },

    /**
     * A copy in the destination under the same deterministic identifier, so the copy is found there on a
     * retry (or adopted when the copy call finds the identifier taken: this run's copy, made by a call
     * whose answer was lost, never doubled). An encrypted snapshot needs a key of the destination region
     * (checked at Plan).
     */
    async copy(resource, request) {
      const { backupIds, region, tags, runId } = request;
      const identifier = backupIds[0];
      if (!identifier) throw new InvalidResourceStateError(`no ${snapshots.noun} of ${resource.id} to copy`);
      if (await findOwn(region, identifier, resource, runId)) return { copyIds: [identifier], reused: true };
      const partition = resource.arn.split(':')[1] ?? 'aws';
      const source = `arn:${partition}:rds:${resource.region}:${resource.accountId}:${snapshots.arnType}:${identifier}`;
      let refused: string | undefined;
      const reused = await copyOrAdopt(
        `RDS ${snapshots.calls.copy} ${identifier} to ${region}`,
        snapshots.alreadyExists,
        // The source ARN names another region: the SDK adds the pre-signed URL RDS needs from there.
        async () => {
          const out = await snapshots.copy(request, source, identifier, [
            ...ownershipTags(tags),
            { Key: TAG.sourceRegion, Value: resource.region },
          ]);
          refused = out?.refused;
        },
        async () => (await findOwn(region, identifier, resource, runId)) !== undefined,
      );
      return refused ? { refused } : { copyIds: [identifier], reused };
    },

    checkCopy(_resource, region, copyIds) {
      return check(region, copyIds[0], region);
    },
  };
  return driver;
}
