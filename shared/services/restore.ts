/**
 * The restore side of a resource type (issue #12): one RestoreDriver per type, beside its backup driver in
 * the service's folder, behind one interface the restore workflow calls (start → (wait → check)* → for
 * drills, remove). As with backups, expected outcomes are values (RestoreCheck) and only named errors
 * are thrown (shared/errors.ts): a name already taken is NameInUseError, never an overwrite.
 *
 * Every restored resource carries the restore tags below: where it came from, which restore made it, and
 * whether a drill did. It never carries the source's selection tag, so the pipeline neither backs it up
 * nor deletes it unless an operator tags it; cleanup removes only what carries this stack's restored-by.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { InvalidInputError } from '../errors';
import type { ResourceType } from '../resource';
import { RESTORE_TAG, type Tag } from '../tags';
import type { BackupMode, RestorePlacement } from './catalog';

/** The restore tags (leaf module ../tags, so that the services' permission data can name them). */
export { RESTORE_TAG };

export interface RestoreTagValues {
  /** The managed-by value (ownerTagValue: stack name @ home region). */
  restoredBy: string;
  restoreId: string;
  sourceArn: string;
  backupId: string;
  drill: boolean;
}

export function restoreTags(v: RestoreTagValues, name?: string): Tag[] {
  return [
    ...(name ? [{ Key: 'Name', Value: name }] : []),
    { Key: RESTORE_TAG.restoredBy, Value: v.restoredBy },
    { Key: RESTORE_TAG.restoreId, Value: v.restoreId },
    { Key: RESTORE_TAG.restoredFrom, Value: v.sourceArn },
    { Key: RESTORE_TAG.restoredBackup, Value: v.backupId },
    { Key: RESTORE_TAG.drill, Value: String(v.drill) },
  ];
}

/**
 * The recorded settings a driver needs, parsed with its schema: a missing or malformed one is an
 * InvalidInputError naming `settings.<field>`, before any AWS call.
 */
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

/**
 * An idempotency token (ClientToken) for one create of a restore: `<restoreId>` or `<restoreId>-<part>`
 * as is when it fits AWS's limit for that call (EC2: 64, DynamoDB ImportTable: 36), else a hash of it,
 * so the same restore and part always give the same token.
 */
export function restoreClientToken(restoreId: string, part: string | number | undefined, max: number): string {
  const token = part === undefined ? restoreId : `${restoreId}-${part}`;
  return token.length <= max ? token : createHash('sha256').update(token).digest('hex').slice(0, max);
}

/**
 * Placement for a restore's region: what a drill imposes so that what it restores is isolated from the
 * source, and the region's own parameter, cluster parameter and option groups (regional names, like the
 * rest: the source's recorded ones hold only in its region). An operator's restore may leave it unset.
 * Its fields are the services' (each catalog's `placement`), composed by the registry.
 */
export type { RestorePlacement };

export interface RestoreRequest {
  /** Deterministic per restore (the restore execution's name): the idempotency key of every create. */
  restoreId: string;
  /** Where the backup (or its copy) is, and the restored resource will be. */
  region: string;
  /** The source's region, where the recorded settings' zone, subnet and security groups exist. */
  sourceRegion: string;
  /** The backup's ids in that region (a copy's ids in a DR region). */
  backupIds: string[];
  /** The restored resource's name: its identifier (RDS, DynamoDB) or its Name tag (EC2). */
  name: string;
  /** The source's settings recorded when the backup was made; each driver parses its own shape. */
  settings: unknown;
  placement?: RestorePlacement;
  tags: RestoreTagValues;
  /**
   * The restore's record, written as the driver goes (DESIGN §7): `intent` before each create with what
   * it will make (kind and name), `made` after it with the ids AWS answered (and those an earlier attempt
   * made). A start that dies between a create and its answer leaves an intent without an id: clean-up
   * finds what it made by the restore-id tag.
   */
  journal?: RestoreJournal;
}

export interface RestoreJournal {
  intent(what: string): Promise<void>;
  made(ids: readonly string[]): Promise<void>;
}

/**
 * What the restore's plan and record say of it, for check and remove: the tags what it made carries (a
 * DynamoDB table is tagged only once ACTIVE, at a check), its recorded settings, and the proof of
 * origin for an untagged resource (the backups it restored, when it started).
 */
export interface RestoreContext {
  tags: RestoreTagValues;
  settings: unknown;
  backupIds: readonly string[];
  /** The restore's start (its record's startedAt): what it made was created after. */
  startedAt: string;
}

export interface RestoreStarted {
  /** The restored resources' ids (a volume; an instance's volumes; a DB identifier; a table name). */
  restoredIds: string[];
  /** True when an earlier attempt of the same restore had already made them. */
  reused: boolean;
}

export type RestoreCheck =
  | { status: 'RESTORING'; state: string }
  | { status: 'AVAILABLE'; shape: Record<string, string | number | boolean> }
  | { status: 'FAILED'; reason: string };

/**
 * One per (resource type, kind of backup): an EBS volume's snapshot → a volume; an instance's snapshot set →
 * its volumes; its AMI → an instance; an RDS snapshot → a DB instance; a cluster snapshot → a cluster and
 * its writer; a DynamoDB backup → a table; a DynamoDB export → a table through ImportTable. The registry
 * (./index.ts, restoreDriverFor) finds it by the resource's type and the mode it was backed up in.
 */
/** What a restore's Plan knows of where it will go (the plan's fields a placement check reads). */
export type PlacementCheckRequest = Pick<RestoreRequest, 'region' | 'sourceRegion' | 'settings'> & {
  placement: RestorePlacement | null;
};

/** Facts about a region a placement check may ask for, each looked up once per Plan (regionFacts below). */
export interface RegionFacts {
  hasDefaultVpc(region: string): Promise<boolean>;
}

/** What holds a name a restore would give what it makes: said in AWS's terms, and its restore's id if it has one. */
export interface NameHolder {
  /** e.g. `RDS instance identifier orders is in use in eu-west-1`. */
  what: string;
  /** The restore-id tag of what holds it: a restore's own resource (an earlier attempt's) is adopted. */
  restoreId?: string;
}

/** What a name check knows of a planned restore (a Plan's restore, or a start's request). */
export type NameCheckRequest = Pick<RestoreRequest, 'region' | 'name' | 'backupIds' | 'settings' | 'restoreId'>;

/** A field of the restore input the placement check finds missing or wrong, and why. */
export interface PlacementProblem {
  field: string;
  message: string;
}

export interface RestoreDriver {
  readonly type: ResourceType;
  /** The backup modes whose backups it restores (`ami` and `ami-reboot`); absent for a type with one way only. */
  readonly modes?: readonly BackupMode[];
  /**
   * Why the restored resource cannot be called `name` (AWS's naming rule for what it makes: an RDS
   * identifier, a table name, a Name tag), or undefined: Plan asks before anything is recorded or made.
   */
  nameProblem(name: string): string | undefined;

  /**
   * What already holds, in the restore's region, the name this restore would give what it makes (the
   * describe `start` makes before any create), or undefined when it is free. `start` refuses on it with
   * NameInUseError unless it is this restore's own; the CLI asks it before StartExecution, with the
   * operator's credentials, so a name in use is refused before anything starts.
   */
  nameHolder(request: NameCheckRequest): Promise<NameHolder | undefined>;

  /**
   * At Plan, before anything is recorded or made: what the restore's region lacks for this placement
   * (a region without a default VPC and no subnet group named, say). A problem refuses the restore with
   * InvalidInputError naming the field; absent: nothing to check.
   */
  checkPlacement?(request: PlacementCheckRequest, facts: RegionFacts): Promise<PlacementProblem[]>;
  start(request: RestoreRequest): Promise<RestoreStarted>;
  check(region: string, restoredIds: readonly string[], context?: RestoreContext): Promise<RestoreCheck>;
  /**
   * Deletes what a restore made, only when it carries `restoredBy` (a resource without it is refused,
   * never deleted): `gone` once nothing is left, `deleting` while AWS still removes it or while what is
   * to be deleted is still being made (AWS refuses to delete it then: it is waited for, then deleted).
   * `context.tags.restoreId` (the workflow always passes it) is the restore's id tag: a driver with
   * `removesByRestoreTag` also finds by it what no record names (a start that died after a create; an AMI's data volumes AWS keeps at termination).
   */
  remove(
    region: string,
    restoredIds: readonly string[],
    restoredBy: string,
    /** Its tags (the restore id: what carries it is found too), settings and proof of origin. */
    context?: RestoreContext,
  ): Promise<'deleting' | 'gone'>;
  /** True when remove finds what carries the restore-id tag: it is called even when the record names nothing. */
  readonly removesByRestoreTag?: boolean;
  /** What of the restore AWS still holds (the record's ids and what carries its tag): a failed clean-up lists it. */
  leftovers?(region: string, restoredIds: readonly string[], restoreId: string): Promise<string[]>;
}

/**
 * A region-bound setting (zone, subnet, security groups, DB subnet, parameter and option groups) for this
 * restore: the placement's when given; else the recorded one, which holds only in the source's region;
 * in another region (a DR copy) `elsewhere`, the region's default (absent: AWS's own default, such as
 * the engine's default groups).
 */
export function placed<T>(
  request: Pick<RestoreRequest, 'region' | 'sourceRegion'>,
  fromPlacement: T | undefined,
  recorded: T | undefined,
  elsewhere?: T,
): T | undefined {
  if (fromPlacement !== undefined) return fromPlacement;
  return request.region === request.sourceRegion ? recorded : elsewhere;
}

/** The zone AWS needs where the recorded one does not exist: the region's first. */
export const firstZone = (region: string): string => `${region}a`;
