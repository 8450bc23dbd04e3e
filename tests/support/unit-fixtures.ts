/**
 * Shared fixtures of the unit layer: resource refs, AWS SDK errors shaped as the SDK really throws
 * them, a Lambda context, each function's environment, and state-table records.
 */

import { EC2ServiceException } from '@aws-sdk/client-ec2';
import {
  DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceNotFoundFault,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  InvalidDBSnapshotStateFault,
  RDSServiceException,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import { deadlineHoursOf, type TierConfig } from '../../shared/config';
import type { ResourceRef } from '../../shared/resource';
import type { OwnedBackup } from '../../shared/services/driver';
import type { RestoreContext } from '../../shared/services/restore';
import type { ResourceRecord, RestoreRecord, RunRecord } from '../../shared/state/records';
import type { OwnershipTagValues, Tag } from '../../shared/tags';
import { TAG } from '../../shared/tags';

export const REGION = 'eu-west-1';
export const ACCOUNT = '111122223333';
export const STACK = 'BackupPipeline';
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:backup-pipeline-notifications`;

export const lambdaContext = {
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:x`,
  awsRequestId: 'req-unit',
};

export const instanceRef = (id = 'i-0123456789abcdef0'): ResourceRef => ({
  arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`,
  type: 'ec2-instance',
  region: REGION,
  accountId: ACCOUNT,
  id,
});

export const volumeRef = (id = 'vol-0123456789abcdef0'): ResourceRef => ({
  arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/${id}`,
  type: 'ebs-volume',
  region: REGION,
  accountId: ACCOUNT,
  id,
});

export const dbRef = (id = 'orders'): ResourceRef => ({
  arn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${id}`,
  type: 'rds-instance',
  region: REGION,
  accountId: ACCOUNT,
  id,
});

export const clusterRef = (id = 'ledger'): ResourceRef => ({
  arn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:${id}`,
  type: 'aurora-cluster',
  region: REGION,
  accountId: ACCOUNT,
  id,
});

export const ownershipValues = (
  resource: ResourceRef,
  runId = 'run-1',
  overrides: Partial<OwnershipTagValues> = {},
): OwnershipTagValues => ({
  stackName: STACK,
  runId,
  tier: 'daily',
  sourceArn: resource.arn,
  expiresAt: '2026-01-12T02:00:00.000Z',
  ...overrides,
});

/** The ownership tags as AWS returns them on a snapshot this stack created. */
export const ownedTags = (
  resource: { arn: string },
  runId = 'run-1',
  overrides: { tier?: string; expiresAt?: string; managedBy?: string } = {},
): Tag[] => [
  { Key: TAG.managedBy, Value: overrides.managedBy ?? STACK },
  { Key: TAG.runId, Value: runId },
  { Key: TAG.tier, Value: overrides.tier ?? 'daily' },
  { Key: TAG.source, Value: resource.arn },
  { Key: TAG.expiresAt, Value: overrides.expiresAt ?? '2026-01-12T02:00:00.000Z' },
];

/** An EC2 error as the SDK throws it: an EC2ServiceException whose name and Code are the AWS code. */
export function ec2Error(code: string, message = `${code} (mocked)`): Error {
  return Object.assign(new EC2ServiceException({ name: code, $fault: 'client', $metadata: {}, message }), {
    Code: code,
  });
}

type RdsFault = new (opts: { message: string; $metadata: object }) => RDSServiceException;
const RDS_FAULTS: Record<string, RdsFault> = {
  DBClusterNotFoundFault: DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault: DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault: DBClusterSnapshotNotFoundFault,
  InvalidDBClusterStateFault: InvalidDBClusterStateFault,
  DBInstanceNotFound: DBInstanceNotFoundFault,
  DBSnapshotAlreadyExists: DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFound: DBSnapshotNotFoundFault,
  InvalidDBInstanceState: InvalidDBInstanceStateFault,
  InvalidDBSnapshotState: InvalidDBSnapshotStateFault,
  SnapshotQuotaExceeded: SnapshotQuotaExceededFault,
};

/**
 * An RDS error as the SDK throws it: the modelled fault class (name `...Fault`) carrying the wire
 * code in `Code` (e.g. InvalidDBInstanceStateFault with Code InvalidDBInstanceState), or a plain
 * RDSServiceException named by the code for unmodelled errors such as Throttling.
 */
export function rdsError(code: string, message = `${code} (mocked)`, options: { withCode?: boolean } = {}): Error {
  const Fault = RDS_FAULTS[code];
  const error = Fault
    ? new Fault({ message, $metadata: {} })
    : new RDSServiceException({ name: code, $fault: 'client', $metadata: {}, message });
  return options.withCode === false ? error : Object.assign(error, { Code: code });
}

/** A plain SDK-style error known only by its name (other services, DynamoDB, SNS). */
export function namedError(name: string, message = `${name} (mocked)`): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

export const POLLING = { minWaitSeconds: 60, maxWaitSeconds: 21_600, deadlineHours: 24 };

export const TIERS: Record<string, TierConfig> = {
  daily: { schedule: 'cron(0 2 * * ? *)', retentionDays: 7, keepLast: 0, rpoHours: 30 },
  weekly: { schedule: 'cron(0 1 ? * SUN *)', retentionDays: 35, keepLast: 2, rpoHours: 180 },
  monthly: { schedule: 'cron(0 0 1 * ? *)', retentionDays: 365, keepLast: 0 },
};

/**
 * Every variable any handler reads (shared/lambda/env.ts), as strings, for `Object.assign(process.env, ...)`.
 * Jest gives each test file its own process.env, so a file may set them once.
 */
export function unitHandlerEnv(tableName: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    TABLE_NAME: tableName,
    STACK_NAME: STACK,
    POLLING: JSON.stringify(POLLING),
    // As synth resolves them: POLLING's deadlineHours applies to every tier that sets none.
    DEADLINE_HOURS: JSON.stringify(
      Object.fromEntries(Object.entries(TIERS).map(([name, tier]) => [name, deadlineHoursOf(tier, POLLING)])),
    ),
    TIERS: JSON.stringify(TIERS),
    DEFAULT_TIER: 'daily',
    DEFAULT_TARGET_TAGS: JSON.stringify({ backup: 'true' }),
    STATE_TTL_DAYS: '400',
    MAP_MAX_CONCURRENCY: '40',
    MODES: JSON.stringify({ defaults: {}, resources: {} }),
    REGIONS: 'null',
    BACKUP_BUCKET: 'backup-pipeline-backups-unit',
    TOPIC_ARN,
    EVENT_BUS_NAME: 'default',
    NOTIFY_ON_SUCCESS: 'false',
    ...overrides,
  };
}

export const runRecord = (runId: string, overrides: Partial<RunRecord> = {}): RunRecord => ({
  runId,
  tier: 'daily',
  executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:backup-pipeline:${runId}`,
  startedAt: '2026-01-05T02:00:00.000Z',
  status: 'RUNNING',
  dryRun: false,
  expiresAt: '2026-01-12T02:00:00.000Z',
  input: {},
  ...overrides,
});

export const resourceRecord = (
  runId: string,
  ref: ResourceRef,
  overrides: Partial<ResourceRecord> = {},
): ResourceRecord => ({
  runId,
  arn: ref.arn,
  type: ref.type,
  region: ref.region,
  resourceId: ref.id,
  status: 'PENDING',
  queuedAt: '2026-01-05T02:00:00.000Z',
  ...overrides,
});

/** A drill of the `orders` DB that passed (restored, then deleted), started at `startedAt`. */
export const restoreRecord = (
  restoreId: string,
  startedAt: string,
  overrides: Partial<RestoreRecord> = {},
): RestoreRecord => ({
  restoreId,
  arn: dbRef().arn,
  type: 'rds-instance',
  runId: 'daily-1',
  tier: 'daily',
  sourceRegion: REGION,
  region: REGION,
  backupIds: ['bp-daily-1-orders'],
  name: `orders-${restoreId}`,
  drill: true,
  status: 'AVAILABLE',
  startedAt,
  restoredIds: [`orders-${restoreId}`],
  availableAt: startedAt,
  recoverySeconds: 1500,
  finishedAt: startedAt,
  cleanup: { status: 'DELETED', at: startedAt },
  ...overrides,
});

/** Catches what a promise or function throws, for assertions on several properties of one error. */
export async function caught(action: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, none was thrown');
}

/**
 * Serves `pages` as AWS does: the first without a token, each next one only for the token the
 * previous page returned. Records the token of every call as it was sent (the SDK paginators reuse
 * one input object, so the recorded command inputs all show the last token).
 *
 *   const pages = servePages([{ Volumes: [a] }, { Volumes: [b] }], 'NextToken');
 *   ec2.on(DescribeVolumesCommand).callsFake(pages.fake);
 *   ...; expect(pages.tokens).toEqual([undefined, 'page-1']);
 */
export function servePages<P extends object>(pages: readonly P[], tokenKey: 'NextToken' | 'Marker') {
  const tokens: (string | undefined)[] = [];
  const fake = async (input: object): Promise<P> => {
    const token = (input as Record<string, unknown>)[tokenKey] as string | undefined;
    tokens.push(token);
    const index = token === undefined ? 0 : Number(token.replace('page-', ''));
    const page = pages[index];
    if (!page) throw new Error(`servePages: no page for ${tokenKey} ${String(token)}`);
    return index + 1 < pages.length ? { ...page, [tokenKey]: `page-${index + 1}` } : page;
  };
  return { fake, tokens };
}

/** A finished daily EBS backup of one volume as retention sees it, `ageDays` before `now`, expiring 7 days after it was made. */
export const dailyEbsBackup = (
  now: Date,
  id: string,
  ageDays: number,
  extra: Partial<OwnedBackup> = {},
): OwnedBackup => ({
  kind: 'ebs-snapshot',
  id,
  region: REGION,
  source: volumeRef().arn,
  tier: 'daily',
  runId: `run-${id}`,
  managedBy: STACK,
  createdAt: new Date(now.getTime() - ageDays * 86_400_000),
  expiresAt: new Date(now.getTime() - (ageDays - 7) * 86_400_000),
  complete: true,
  heldBy: [],
  ...extra,
});

/** The context the restore workflow gives a restore driver's check and remove (shared/workflow/restore/restore.ts). */
export const restoreContextOf = (restoreId: string, restoredBy = `${STACK}@${REGION}`): RestoreContext => ({
  tags: { restoredBy, restoreId, sourceArn: 'arn:source', backupId: 'backup-1', drill: true },
  settings: {},
  backupIds: ['backup-1'],
  startedAt: '2026-01-01T00:00:00.000Z',
});
