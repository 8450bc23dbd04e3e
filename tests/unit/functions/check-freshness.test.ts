/**
 * functions/check-freshness.ts and the latest points Record result notes: the per-tier metrics the
 * RPO alarm reads (captured from Powertools), and the read cost of one hourly check at 3,000
 * resources on a real DynamoDB (dynalite), which must not grow with the runs the table holds. At 3,000
 * each run spans two 1 MB Query pages (about 2,300 items a page), so the paging is read as at
 * 10,000 (the handler has no threshold in the fleet's size; 10,000 took 31 s of the unit layer).
 */
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { handler as checkFreshness } from '../../../functions/check-freshness';
import { handler as recordResult } from '../../../functions/record-result';
import { useClock } from '../../../shared/clock';
import { parsePipelineConfig } from '../../../shared/config';
import { dynamoDocClient } from '../../../shared/lambda/clients';
import { functionEnvironments } from '../../../shared/lambda/function-env';
import { metrics } from '../../../shared/lambda/powertools';
import { RESOURCE_TYPES } from '../../../shared/services/catalog';
import type { ResourceRecord, ResourceStatus } from '../../../shared/state/records';
import { RestoreStore } from '../../../shared/state/restore-store';
import { StateStore } from '../../../shared/state/store';
import { startUnitDynalite, type UnitDynalite } from '../../support/unit-dynalite';
import { restoreRecord } from '../services/rds/fixtures';

jest.setTimeout(180_000);

const context = { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:f', awsRequestId: 'req-1' };
const NOW = new Date('2026-03-10T12:00:00.000Z');
const HOUR = 3_600_000;
let clock = NOW;
let restoreClock: () => void;
let db: UnitDynalite;
let tableNo = 0;

/** A fresh table per test, named in the handler's environment. */
async function useFreshTable(): Promise<string> {
  const name = await db.createTable(`freshness-${++tableNo}`);
  process.env.TABLE_NAME = name;
  return name;
}

beforeAll(async () => {
  db = await startUnitDynalite();
  const config = parsePipelineConfig({});
  const env = functionEnvironments(config, { tableName: db.tableName, topicArn: 'arn:t', bucketName: 'b' });
  Object.assign(process.env, env['check-freshness'], env['record-result']);
  restoreClock = useClock({ now: () => clock });
});
afterAll(async () => {
  restoreClock();
  await db.close();
});
beforeEach(() => {
  clock = NOW;
});

const iso = (ms: number) => new Date(ms).toISOString();
const arnOf = (i: number) => `arn:aws:ec2:eu-west-1:111122223333:volume/vol-${String(i).padStart(8, '0')}`;

/** A run of `tier` started at `startedAt` with one item per status given (resource i gets statuses[i]). */
async function seedRun(
  table: string,
  runId: string,
  tier: string,
  startedAt: number,
  statuses: readonly ResourceStatus[],
): Promise<void> {
  await new StateStore(db.doc, table).createRun({
    runId,
    tier,
    executionArn: `arn:aws:states:eu-west-1:111122223333:execution:m:${runId}`,
    startedAt: iso(startedAt),
    finishedAt: iso(startedAt + 3 * HOUR),
    status: statuses.every((s) => s === 'COMPLETED') ? 'SUCCEEDED' : 'FAILED',
    dryRun: false,
    expiresAt: iso(startedAt + 7 * 24 * HOUR),
    input: {},
  });
  // Items as a real run leaves them: a handful of polls each, so a 1 MB Query page holds what it would.
  const items = statuses.map((status, i): ResourceRecord & { pk: string; sk: string } => ({
    pk: `RUN#${runId}`,
    sk: `RES#${arnOf(i)}`,
    runId,
    arn: arnOf(i),
    type: 'ebs-volume',
    region: 'eu-west-1',
    resourceId: `vol-${i}`,
    status,
    queuedAt: iso(startedAt),
    backupIds: [`snap-${runId}-${i}`],
    polls: 6,
    pollTimes: Array.from({ length: 6 }, (_, p) => iso(startedAt + (p + 1) * 600_000)),
    ...(status === 'COMPLETED' || status === 'FAILED' ? { finishedAt: iso(startedAt + 2 * HOUR) } : {}),
    ...(status === 'COMPLETED' ? { progress: 100 } : {}),
  }));
  await writeAll(table, items);
}

/** One recovery point per resource, as Record result notes them. */
async function seedRecoveryPoints(table: string, tier: string, count: number, lastGoodAt: number): Promise<void> {
  await writeAll(
    table,
    Array.from({ length: count }, (_, i) => ({
      pk: `RECOVERY#${tier}`,
      sk: `RES#${arnOf(i)}`,
      tier,
      arn: arnOf(i),
      lastGoodAt: iso(lastGoodAt),
      lastGoodRunId: 'earlier',
    })),
  );
}

async function writeAll(table: string, items: readonly Record<string, unknown>[]): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let requests = (batches[next++] ?? []).map((Item) => ({ PutRequest: { Item } }));
      // A batch may come back partly unprocessed: write the rest until none is left.
      while (requests.length > 0) {
        const out = await db.doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Counts the Query calls and the items they read while `act` runs (the handler's own DynamoDB client). */
async function readCost<T>(act: () => Promise<T>): Promise<{ queries: number; itemsRead: number; out: T }> {
  const doc = dynamoDocClient();
  const original = doc.send.bind(doc) as (command: unknown) => Promise<unknown>;
  let queries = 0;
  let itemsRead = 0;
  const spy = jest.spyOn(doc, 'send').mockImplementation((async (command: unknown) => {
    const result = await original(command);
    if (command instanceof QueryCommand) {
      queries += 1;
      itemsRead += (result as { ScannedCount?: number }).ScannedCount ?? 0;
    }
    return result;
  }) as never);
  try {
    const out = await act();
    return { queries, itemsRead, out };
  } finally {
    spy.mockRestore();
  }
}

/** Captures what the handler publishes through Powertools (one single metric per value). */
function captureMetrics(): {
  published: { name: string; tier: string; resourceType: string; value: number }[];
  restore(): void;
} {
  const published: { name: string; tier: string; resourceType: string; value: number }[] = [];
  const spy = jest.spyOn(metrics, 'singleMetric').mockImplementation(() => {
    let tier = '';
    let resourceType = '';
    return {
      addDimension: (name: string, value: string) => {
        if (name === 'tier') tier = value;
        if (name === 'resourceType') resourceType = value;
      },
      addMetric: (name: string, _unit: string, value: number) => published.push({ name, tier, resourceType, value }),
    } as unknown as ReturnType<typeof metrics.singleMetric>;
  });
  return { published, restore: () => spy.mockRestore() };
}

describe('record-result', () => {
  it("notes the resource's newest good backup per tier, which an earlier completion time never moves back", async () => {
    // Prepare
    const table = await useFreshTable();
    const start = NOW.getTime() - 30 * HOUR;
    await seedRun(table, 'old', 'daily', start - 24 * HOUR, ['CREATING']);
    await seedRun(table, 'new', 'daily', start, ['CREATING']);
    const event = (runId: string) => ({
      runId,
      tier: 'daily',
      resource: { arn: arnOf(0), type: 'ebs-volume', region: 'eu-west-1', accountId: '111122223333', id: 'vol-0' },
      backup: {
        status: 'COMPLETED',
        backupIds: ['snap-1'],
        startedAt: iso(start),
        deadline: iso(start + 48 * HOUR),
        progress: 100,
        polls: 3,
        waitSeconds: 0,
        reason: null,
      },
    });

    // Act: the old run's backup completes, then the new run's; then a completion time earlier than both arrives.
    clock = new Date(start - 20 * HOUR);
    await recordResult(event('old'), context);
    clock = new Date(start + 2 * HOUR);
    await recordResult(event('new'), context);
    await new StateStore(db.doc, table).noteLatestPoint('daily', arnOf(0), 'old', iso(start - 21 * HOUR));

    // Assess
    const points = await new StateStore(db.doc, table).listLatestPoints('daily');
    expect(points).toEqual([
      expect.objectContaining({ arn: arnOf(0), lastGoodRunId: 'new', lastGoodAt: iso(start + 2 * HOUR) }),
    ]);
  });
});

describe('check-freshness', () => {
  it('publishes per tier the resources past their RPO, how many are protected and the oldest age (tier dimension only), and per type the hours since a drill passed', async () => {
    // Prepare: daily run 10 h ago, resource 0 failed and last good 40 h ago; weekly never ran.
    const table = await useFreshTable();
    await seedRun(table, 'd-1', 'daily', NOW.getTime() - 10 * HOUR, ['FAILED', 'COMPLETED', 'COMPLETED']);
    await seedRecoveryPoints(table, 'daily', 1, NOW.getTime() - 40 * HOUR);
    // A volume drill passed 30 h ago (the daily tier, drills' default, protects volumes).
    const drilledAt = iso(NOW.getTime() - 30 * HOUR);
    await new RestoreStore(dynamoDocClient(), table).create(
      restoreRecord('drill-1-1', drilledAt, { type: 'ebs-volume', arn: arnOf(1), finishedAt: drilledAt }),
    );
    const captured = captureMetrics();

    // Act
    try {
      await checkFreshness({}, context);
    } finally {
      captured.restore();
    }

    // Assess
    const of = (tier: string) =>
      Object.fromEntries(captured.published.filter((m) => m.tier === tier).map((m) => [m.name, m.value]));
    expect(of('daily')).toEqual({
      HoursSinceLastSuccessfulRun: expect.any(Number),
      HoursSinceLastRun: 10,
      ResourcesPastRpo: 1,
      ProtectedResources: 3,
      OldestRecoveryPointAgeHours: 40,
    });
    // A tier that never ran reports 0 (its alarm does not fire on day one) and no age.
    expect(of('weekly')).toEqual({
      HoursSinceLastSuccessfulRun: expect.any(Number),
      HoursSinceLastRun: expect.any(Number),
      ResourcesPastRpo: 0,
      ProtectedResources: 0,
    });
    const perTier = captured.published.filter((m) => m.name !== 'HoursSinceSuccessfulDrill');
    expect(new Set(perTier.map((m) => m.tier))).toEqual(new Set(['daily', 'weekly', 'monthly', 'yearly']));
    // Drills (the default tier, daily, protects volumes): since the volume drill passed; the types it
    // protects nothing of report 0. One dimension, the type.
    const drills = captured.published.filter((m) => m.name === 'HoursSinceSuccessfulDrill');
    expect(drills.every((m) => m.tier === '' && m.resourceType !== '')).toBe(true);
    expect(drills.find((m) => m.resourceType === 'ebs-volume')?.value).toBe(30);
    expect(drills.filter((m) => m.resourceType !== 'ebs-volume').map((m) => m.value)).toEqual(
      RESOURCE_TYPES.filter((t) => t !== 'ebs-volume').map(() => 0),
    );
  });

  it('reads a bounded amount at 3,000 resources, the same whether the table holds 3 runs of the tier or 9', async () => {
    // Prepare: three daily runs in the window; resource 0 failed in each, so its recovery point is read.
    const table = await useFreshTable();
    const RESOURCES = 3_000;
    const day = (n: number) => Date.parse('2026-03-10T02:00:00Z') - n * 24 * HOUR;
    const all = (first: ResourceStatus): ResourceStatus[] =>
      Array.from({ length: RESOURCES }, (_, i) => (i === 0 ? first : 'COMPLETED'));
    await seedRun(table, 'd-0', 'daily', day(0), all('FAILED'));
    await seedRun(table, 'd-1', 'daily', day(1), all('FAILED'));
    await seedRun(table, 'd-2', 'daily', day(2), all('FAILED'));
    await seedRecoveryPoints(table, 'daily', RESOURCES, day(3) + 2 * HOUR);

    // Act: one hourly check; then six more days of history (runs outside the window) and another check.
    const before = await readCost(() => checkFreshness({}, context));
    for (let n = 3; n < 9; n++) await seedRun(table, `d-${n}`, 'daily', day(n), all('COMPLETED').slice(0, 1_000));
    const after = await readCost(() => checkFreshness({}, context));

    // Assess: the window's 3 runs and the latest points, each in 1 MB pages, plus the run listing.
    expect(before.out.recovery.find((t) => t.tier === 'daily')).toEqual({
      tier: 'daily',
      protectedResources: RESOURCES,
      resourcesPastRpo: 1,
      oldestAgeHours: 80,
    });
    // 3 runs' items and the latest points (9,000 + 3,000) and the runs listed: 12,003 read in 9 Query
    // calls (two pages per run, two of latest points, one listing; at 10,000 it was 40,003 in 18 of 20).
    expect(before.itemsRead).toBeLessThanOrEqual(4 * RESOURCES + 10);
    expect(before.queries).toBeLessThanOrEqual(10);
    // Older runs cost one listed run item each (the listing stops at FRESHNESS_RUNS), never their resources.
    expect(after.queries).toBe(before.queries);
    expect(after.itemsRead - before.itemsRead).toBe(6);
  });
});
