/**
 * The driver interface: one implementation per resource type (DESIGN §2, STYLE "one driver per
 * resource type"). Adding a type means its catalog entry (the service's catalog.ts), one driver file
 * listed in the service's drivers.ts, and its test; a new service adds one line to ./catalog.ts and
 * one to ./index.ts.
 *
 * Drivers return expected outcomes as values (CheckResult) and throw only named errors from
 * shared/errors.ts, which the state machine retries or records by name.
 */
import type { ResourceRef, ResourceType } from '../resource';
import type { OwnershipTagValues, Tag } from '../tags';
import type { BackupKind } from './catalog';

/** An SDK client class (EC2Client, ...): what a service's calls are sent through. */
export interface SdkClientClass {
  readonly name: string;
  readonly prototype: object;
}

export interface Discovered {
  ref: ResourceRef;
  /** Set when the resource matched but cannot be backed up by this type (recorded as SKIPPED). */
  skipReason?: string;
  /** ARN of a resource whose backup already includes this one (e.g. a volume of a selected instance). */
  partOf?: string;
  /**
   * The resource backed up in this one's place, selected because this one was (an Aurora member
   * instance selects its cluster: one backup per cluster, never per member).
   */
  backedUpWith?: ResourceRef;
  /**
   * How it will be backed up, where the operator should know (an ElastiCache group snapshotted from its
   * primary for want of a read replica): Plan keeps it on the resource's record (its `note`).
   */
  note?: string;
  /** The resource's `backup-pipeline:mode` tag, for types that offer modes (shared/services/modes.ts). */
  modeTag?: string;
  /** Storage-encrypted RDS/Aurora: a copy to another region needs that region's KMS key (checked at Plan). */
  encrypted?: boolean;
  /**
   * The source's own tags its backup gets, read from the description discovery already made (RDS/Aurora:
   * none unless CopyTagsToSnapshot is on; filtered, with room left for ours). Plan stores them on the
   * resource's item, never in the Map's payload, and Start passes them to `start`. Absent when unknown.
   */
  sourceTags?: Tag[];
  /**
   * ALL the source's own tags as discovery read them (resourceTagsOf: bounded, no `aws:` keys), unlike
   * sourceTags (what its backup gets, filtered). Plan stores them on the item, Record result on the
   * restore point and the tier's recovery point: an application restore selects by them in a DR region
   * with the home region gone, where the source cannot be asked. Absent when unknown.
   */
  resourceTags?: Tag[];
  /**
   * What restoring this resource's backup needs of it (zone, volume type, instance class, subnet group,
   * security groups, ...), read from the description discovery already made, in the shape the type's
   * restore driver parses (its restore settings schema). Plan stores it on the resource's item, Record
   * result keeps it with the recovery point, and a restore reads it there: the source may be gone by then.
   */
  restoreSettings?: Record<string, unknown>;
}

/** One explicitly named resource, resolved or refused (recorded FAILED by Plan with the reason). */
export type Resolution = { ref: ResourceRef; found: Discovered } | { ref: ResourceRef; failReason: string };

export interface StartRequest {
  resource: ResourceRef;
  tags: OwnershipTagValues;
  /** Readable, deterministic token for this run and resource (used in identifiers and descriptions). */
  runId: string;
  /**
   * False on the first attempt: the intent was recorded before any AWS call, so no earlier attempt can
   * have created a backup and the lookup is skipped (one Describe call saved per backup). True on a
   * retry: the driver must look for the backup an earlier attempt may have started.
   */
  mayExist: boolean;
  /** The stack's backup bucket, where modes that write to S3 (DynamoDB export) put their data. */
  exportBucket?: string;
  /**
   * The source's own tags to put on the backup, as Plan found them (Discovered.sourceTags, [] when it
   * copies none). Absent (Plan did not describe the source, or the item predates them): a driver that
   * copies tags reads them itself.
   */
  sourceTags?: Tag[];
}

export interface StartResult {
  backupIds: string[];
  /** True when an earlier attempt had already started this backup and it was found, not created. */
  reused: boolean;
  /**
   * Provisioned size of what is backed up, in GiB, when the start call's own response tells it (no
   * extra AWS call for it); the run report's storage-cost estimate. Undefined when unknown.
   */
  sizeGiB?: number;
}

export type CheckResult =
  | { status: 'CREATING'; progress: number | undefined }
  | { status: 'COMPLETED'; progress: 100 }
  | { status: 'FAILED'; reason: string };

/** A backup this stack owns, as retention sees it. */
export interface OwnedBackup {
  kind: BackupKind;
  id: string;
  region: string;
  source: string | undefined;
  tier: string | undefined;
  runId: string | undefined;
  managedBy: string | undefined;
  createdAt: Date;
  /** Undefined when the tag is missing or unreadable: such a backup is always kept. */
  expiresAt: Date | undefined;
  /** Finished and usable (EBS `completed`, RDS `available`). */
  complete: boolean;
  /**
   * Ended failed (EBS `error`, RDS `failed`): it will never be usable. Retention deletes it once
   * expired; until then it still counts against the region's quotas (RDS manual snapshots).
   */
  failed?: boolean;
  /** AMIs (or other owners) that still use this backup; it is never deleted while non-empty. */
  heldBy: string[];
  /**
   * Backups of another kind this one holds and its store deletes with it (an AMI's EBS snapshots);
   * the store deletes only those that carry this stack's managed-by tag.
   */
  holds?: string[];
}

/** The kinds of backup the services' stores hold, as each service's catalog declares them. */
export type { BackupKind };

/** Where a kind of backup lives: listing and deleting are per kind, shared by drivers that create it. */
export interface BackupStore {
  readonly kind: BackupKind;
  /** The backups in `region` whose managed-by is one of `owners` (see ownersIn in ../tags). */
  listOwned(region: string, owners: string | readonly string[]): Promise<OwnedBackup[]>;
  delete(backup: OwnedBackup): Promise<void>;
  /**
   * For a kind one run makes several of for one source (an EC2 instance's volume snapshots, made in
   * one call and recorded on the run's item): which sources make such sets, and which recorded backup
   * ids are of this kind. Retention then checks each set against the run's record, so a set that has
   * lost a member is seen as partial, not as a restore point. Absent: each backup is its own set.
   */
  readonly runSets?: {
    madeBy(sourceArn: string): boolean;
    isMember(backupId: string): boolean;
  };
}

/** Copy a finished backup to another region (DESIGN §3 copy branch). */
export interface CopyRequest {
  resource: ResourceRef;
  /** The backup's ids in the resource's region. */
  backupIds: string[];
  /** Destination region and, for encrypted copies, its KMS key (validated at Plan). */
  region: string;
  kmsKeyId: string | undefined;
  /** RDS option groups of the destination by the source's group (`copyTo[].optionGroups`; unmapped: same name). */
  optionGroups?: Record<string, string>;
  /**
   * What Plan recorded of the source for its restore (the item's restoreSettings): what a copy needs of
   * the source (an RDS instance's option group) is read here, without a call. Absent: not recorded.
   */
  restoreSettings?: Record<string, unknown>;
  /** The same ownership tags as the original; drivers add the source region. */
  tags: OwnershipTagValues;
  runId: string;
  /**
   * Called right before each copy call that has no idempotency key (EBS CopySnapshot), so the caller can
   * record that a copy may exist before its answer arrives (shared/workflow/copies/copies.ts, shared/workflow/backup/lookup-settle.ts).
   * Copies that cannot repeat (a client token, a deterministic identifier) do not call it.
   */
  beforeKeylessCopy?: () => Promise<void>;
  /**
   * The recovery stack's bucket in the destination region (names.ts recoveryBucketName), where copies
   * that are data in S3 (a DynamoDB export) are written; undefined when the region has no recovery stack.
   */
  recoveryBucket?: string;
}

/**
 * An account quota AWS reports the use of, which each backup of a type takes one of in the region it
 * is made in, and each cross-region copy in its destination (RDS manual snapshots).
 */
export interface BackupQuota {
  /** Drivers that name the same quota share its count. */
  readonly name: string;
  /** How messages name what it counts ("manual DB snapshots"). */
  readonly what: string;
  /** Its use and maximum in a region; undefined when AWS does not report it there. */
  read(region: string): Promise<{ used: number; max: number } | undefined>;
}

export interface ResourceDriver {
  readonly type: ResourceType;
  /**
   * The reported quota its backups count against, which Plan checks a run against before any create
   * (shared/workflow/backup/plan-quotas.ts). Absent: none AWS reports the use of.
   */
  readonly backupQuota?: BackupQuota;
  /** Where the backups of the type's default mode live. */
  readonly store: BackupStore;
  /**
   * Stores of the backups its other modes create (EC2 instances: AMIs). Retention lists these before
   * `store`, because their backups hold backups of `store` (an AMI holds EBS snapshots): an image
   * deregistered in a pass takes its snapshots with it before the snapshot store is listed.
   */
  readonly extraStores?: readonly BackupStore[];
  /**
   * True when `start` cannot make a second backup however often it is called for one run (a
   * deterministic identifier AWS refuses twice, a client token, a unique name). False (or absent): the
   * create has no such key, so a retry first waits until a lookup can see what an earlier attempt may
   * have made (shared/workflow/backup/backup-start.ts).
   */
  idempotentCreate?(resource: ResourceRef): boolean;
  /** Resources of this type in a region carrying every wanted tag (paginated, filtered server-side where AWS can). */
  discover(region: string, tags: Record<string, string>, accountId: string): Promise<Discovered[]>;
  /** Resolves an explicitly named resource; throws ResourceNotFoundError when it does not exist. */
  resolve(ref: ResourceRef): Promise<Discovered>;
  /**
   * Resolves many explicitly named resources of this type in one region with as few calls as AWS allows
   * (EC2: an id filter per 200, RDS: a Filter of up to 100 identifiers). A missing or unusable one is a
   * `failReason`, never a throw. Absent: Plan resolves them one by one with bounded concurrency.
   */
  resolveAll?(refs: readonly ResourceRef[]): Promise<Resolution[]>;
  /** Starts the backup, or finds the one an earlier attempt of the same run started. */
  start(request: StartRequest): Promise<StartResult>;
  check(resource: ResourceRef, backupIds: string[]): Promise<CheckResult>;
  /**
   * Starts the copy of a finished backup in another region, or finds the one an earlier attempt
   * started there (always looked up first: a copy is started once per region per run; a keyless copy
   * announces itself through `beforeKeylessCopy`). Undefined
   * when the resource (in its mode) cannot be copied across regions; the copy is then SKIPPED.
   */
  /**
   * Undefined: the type is not copied. `notCopied`: not copied there, for the reason given (SKIPPED).
   * `refused`: AWS refused the copy into that region for a reason only
   * the operator can remedy (an option group the destination lacks), which that region's FAILED copy
   * records while the other regions are still copied.
   */
  copy?(
    resource: ResourceRef,
    request: CopyRequest,
  ): Promise<{ copyIds: string[]; reused: boolean } | { refused: string } | { notCopied: string } | undefined>;
  /**
   * Why this resource's backups (in its mode) are never copied to another region, in AWS's terms (the
   * copy is SKIPPED with it, and a dry run and the game day print it); undefined when they are. A
   * reason that depends on the destination comes from `copy` as `notCopied`.
   */
  notCopied?(resource: ResourceRef): string | undefined;
  /** Polls copies in their region, like check does originals. */
  checkCopy?(resource: ResourceRef, region: string, copyIds: string[]): Promise<CheckResult>;
}
