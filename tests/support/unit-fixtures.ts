/**
 * Shared fixtures of the unit layer: resource refs, AWS SDK errors shaped as the SDK really throws
 * them, a Lambda context, each function's environment, and state-table records. What is one service's
 * (an instance's ref, an RDS fault) is in that service's test folder: tests/unit/services/<svc>/fixtures.ts.
 */

import { deadlineHoursOf, type TierConfig } from '../../shared/config';
import { arnOf, type ResourceRef, type ResourceType } from '../../shared/resource';
import type { RestoreContext } from '../../shared/services/restore';
import type { ResourceRecord, RunRecord } from '../../shared/state/records';
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

/**
 * A resource of `type` in the fixtures' region and account, its ARN written by the type's service
 * (shared/resource.ts arnOf). Each service's test folder names its own (tests/unit/services/<svc>/fixtures.ts).
 */
export const refOf = (type: ResourceType, id: string): ResourceRef => ({
  arn: arnOf(type, REGION, ACCOUNT, id),
  type,
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

/** An error shape as an SDK client module exports its schema: [-3, namespace, name, traits, ...]. */
type ErrorSchema = readonly [number, string, string, { awsQueryError?: readonly [string, number] }];
const ERROR_SCHEMA = -3;

/**
 * An AWS error as the SDK client module `sdk` (`import * as rds from '@aws-sdk/client-rds'`) throws it,
 * found as the SDK's own deserializer finds it: the modelled exception whose schema declares the wire
 * code (DBInstanceNotFoundFault declares `awsQueryError: ["DBInstanceNotFound", 404]`) or is named by
 * it, else the client's ServiceException named by the code (every EC2 error, EC2 modelling none; RDS's
 * Throttling). The Query protocols' deserializer also sets the wire code as `Code`; `withCode: false`
 * leaves it off, as for errors other paths raise.
 */
export function sdkError(
  sdk: object,
  code: string,
  message = `${code} (mocked)`,
  options: { withCode?: boolean } = {},
): Error {
  const exports = sdk as Record<string, unknown>;
  const schema = Object.values(exports).find(
    (value): value is ErrorSchema =>
      Array.isArray(value) &&
      value[0] === ERROR_SCHEMA &&
      ((value as unknown as ErrorSchema)[3]?.awsQueryError?.[0] === code || value[2] === code),
  );
  type Modelled = new (opts: { message: string; $metadata: object }) => Error;
  type Base = new (opts: { name: string; $fault: 'client'; $metadata: object; message: string }) => Error;
  const Modelled = schema && (exports[schema[2]] as Modelled | undefined);
  const Base = Object.entries(exports).find(([name]) => name.endsWith('ServiceException'))?.[1] as Base | undefined;
  if (!Modelled && !Base) throw new Error(`sdkError: not an AWS SDK client module (no ServiceException)`);
  const error = Modelled
    ? new Modelled({ message, $metadata: {} })
    : new (Base as Base)({ name: code, $fault: 'client', $metadata: {}, message });
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

/** The context the restore workflow gives a restore driver's check and remove (shared/workflow/restore/restore.ts). */
export const restoreContextOf = (restoreId: string, restoredBy = `${STACK}@${REGION}`): RestoreContext => ({
  tags: { restoredBy, restoreId, sourceArn: 'arn:source', backupId: 'backup-1', drill: true },
  settings: {},
  backupIds: ['backup-1'],
  startedAt: '2026-01-01T00:00:00.000Z',
});
