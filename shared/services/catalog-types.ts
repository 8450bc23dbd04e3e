/**
 * The shape of what a service folder declares as data (its catalog.ts): a leaf, imported by each service's
 * catalog and by the registry (./catalog.ts), which imports the catalogs, so neither imports the other.
 */
import type { z } from 'zod';
import type { ImpliedActions, PermissionSet } from './permission-set';

/** One resource type as its service declares it. */
export interface ResourceTypeEntry {
  readonly type: string;
  /**
   * The ARN's service field, the pattern its resource part matches (the first group is the id), and what
   * precedes the id in that part (`instance/`, `db:`): how an ARN of the type is written (shared/resource.ts arnOf).
   */
  readonly arn: { readonly service: string; readonly prefix: string; readonly resource: RegExp };
  /** How messages name the type, in the plural ("EC2 instances"). */
  readonly label: string;
  /**
   * How a count of the type reads beside the others (the sandbox's "Sandbox up: 5 instances, 2 standalone
   * volumes, ..."), in the plural; absent: the label.
   */
  readonly countLabel?: string;
  /** The backup modes it offers, its default first (./modes.ts); absent when there is one way only. */
  readonly modes?: readonly [string, ...string[]];
  /** List price of its backups' storage, for the run report's estimate; absent: not estimated. */
  readonly storagePrice?: { readonly backup: string; readonly usdPerGbMonth: number };
  /**
   * The fields of its service's `placement` that keep a drill's restore of this type off production
   * networking; absent: its restore joins no network (a volume, a table).
   */
  readonly isolatedBy?: readonly string[];
  /**
   * In an application's restore (issue #19), the wave this type's restores join when the operator sets
   * no order (1 first; a wave starts once every restore of the one before has ended). Absent: 1, the
   * data (databases, tables) first; the instances that use them after.
   */
  readonly restoreWave?: number;
}

/**
 * The placement fields a service's restores read (RestorePlacement, ./catalog.ts): each an optional
 * value, by the name operators give it in `placement`, `placements` and cdk.json `drills.placement`.
 */
export type PlacementFields = Readonly<Record<string, z.ZodOptional>>;

/** The AWS error codes a service answers with, by the named error each becomes (shared/errors.ts). */
export interface ServiceErrorCodes {
  readonly throttling?: readonly string[];
  readonly limits?: readonly string[];
  readonly quotas?: readonly string[];
  readonly notFound?: readonly string[];
  readonly invalidState?: readonly string[];
  /** A restore's target name (an identifier, a table name) is taken. */
  readonly nameInUse?: readonly string[];
}

/**
 * One of the service's API request-rate token buckets (AWS's default refill per second, per account and
 * region) and which of the pipeline's calls draw from it: the bench's projection to large fleets
 * (bench/projection.ts) sets the calls a run makes against it.
 */
export type ApiRateBucket = {
  /** How the projection names the calls that draw from it ("EC2 creates"). */
  readonly calls: string;
  /** The operations (IAM's names, without the service) that draw from it. */
  readonly operations: RegExp;
  readonly refillPerSecond: number;
} & (
  | {
      /** Spread over the run (the polls): what counts is their mean rate against the refill. */
      readonly arrive: 'spread';
    }
  | {
      /**
       * All at the run's start (each resource's backup starts at once): what counts is how long the refill
       * takes to let them through, and when that is past an hour, what they begin (`begins`), who else
       * draws from the bucket (`sharedWith`) and the quota to raise.
       */
      readonly arrive: 'start';
      readonly begins: string;
      readonly sharedWith: string;
      readonly quota: string;
    }
);

/**
 * A runbook entry one service's failures need (shared/workflow/notify/runbook.ts composes them with the
 * general ones): the next step for an error whose reason carries this service's cause.
 */
export interface ServiceRunbookEntry {
  /** The recorded error name (shared/errors.ts: `QuotaExceededError`, ...). */
  readonly error: string;
  /** Narrows the entry to reasons that match (an AWS error code, this service's refusal); absent: every reason. */
  readonly reason?: RegExp;
  /** The next step, one sentence an operator can act on. */
  readonly next: string;
  /** The docs/operations.md section with the detail. */
  readonly section: string;
}

export interface ServiceCatalog {
  /** The service's name in ARNs and IAM actions (ec2, rds, dynamodb). */
  readonly service: string;
  /**
   * Shorter stems code outside the catalog knows the service by (`dynamo` in `dynamoTables`), beside
   * its name; the layout guard (tests/unit/services/registry.test.ts) counts them as naming it.
   */
  readonly identifierStems?: readonly string[];
  /**
   * True when the stack also calls the service for itself (S3: its bucket, the Map's item lists and
   * results), so its name appears in the sandbox and the stack for that use; the layout guard then counts
   * only its resource types and backup kinds as naming it.
   */
  readonly usedByTheStack?: boolean;
  readonly types: readonly ResourceTypeEntry[];
  /** The kinds of backup its stores hold (OwnedBackup.kind). */
  readonly backupKinds: readonly string[];
  readonly errorCodes: ServiceErrorCodes;
  /** Its API's request-rate buckets the pipeline's calls draw from; absent: none worth projecting. */
  readonly apiRateBuckets?: readonly ApiRateBucket[];
  /**
   * Where its restores go in a region (regional names: the source's recorded ones exist only in its
   * region), the fields the registry composes into the one placement schema. A field two services read
   * (an availability zone, security groups) is declared by both, alike (tests/unit/services/registry.test.ts).
   * Absent: its restores take no placement.
   */
  readonly placement?: PlacementFields;
  /**
   * Its runbook entries, most specific first. They come after the general entries of an error that narrow
   * by reason and before its general catch-all (first match wins).
   */
  readonly runbook?: readonly ServiceRunbookEntry[];
  /** What each function needs of this service, as data (./permission-set.ts); infra/constructs/permissions.ts applies it. */
  readonly permissions: PermissionSet;
  /** What AWS evaluates on its calls' behalf (tags in a create, S3 writes of an export), by the call's action. */
  readonly impliedActions?: ImpliedActions;
  /**
   * The IAM action (without the service) each of its calls is authorized as, where it is not the call's
   * own name (S3's ListBuckets is s3:ListAllMyBuckets); absent: every call is its own action.
   */
  readonly actionOfCall?: Readonly<Record<string, string>>;
  /**
   * Where the service uses a customer managed KMS key on the caller's behalf, so the caller must be allowed
   * the key's use through it (`kms:ViaService` = `<service>.<region>.amazonaws.com`,
   * infra/constructs/workflow-permissions.ts): when it copies a backup to another region (`copies`), when it
   * restores one (`restores`), when a restore's check creates part of what it restores (`restoreChecks`: an
   * Aurora cluster's writer), and whether a restore also encrypts and generates data keys (`encrypts`: a
   * DynamoDB table's own key). Absent: it uses none for the caller.
   */
  readonly keyUse?: {
    readonly copies?: boolean;
    readonly restores?: boolean;
    readonly restoreChecks?: boolean;
    readonly encrypts?: boolean;
  };
}
