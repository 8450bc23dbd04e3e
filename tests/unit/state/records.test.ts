/**
 * shared/state/records.ts through the store's reads, on a real DynamoDB (dynalite): every read path
 * refuses a malformed item where it reads it, naming the item's key and the bad fields, and every
 * item the store itself writes parses (each write path, round trip).
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  copyRegionRecordSchema,
  MalformedItemError,
  parseItem,
  resourceRecordSchema,
  runRecordSchema,
} from '../../../shared/state/records';
import { StateStore } from '../../../shared/state/store';
import { useUnitDynalite } from '../../support/unit-dynalite';
import { caught, resourceRecord, runRecord } from '../../support/unit-fixtures';
import { instanceRef } from '../services/ec2/fixtures';

const db = useUnitDynalite();
const AT = '2026-01-05T02:00:00.000Z';
const ref = instanceRef();
let n = 0;

const putRaw = (item: Record<string, unknown>, tableName = db().tableName) =>
  db().doc.send(new PutCommand({ TableName: tableName, Item: item }));
const rawItem = async (pk: string, sk: string, tableName = db().tableName) =>
  (await db().doc.send(new GetCommand({ TableName: tableName, Key: { pk, sk } }))).Item;

/** A run item as the store writes it, with the table's keys, and `overrides` on top. */
const rawRun = (runId: string, overrides: Record<string, unknown> = {}) => ({
  pk: `RUN#${runId}`,
  sk: 'RUN',
  gsi1pk: 'RUN',
  ttl: 1,
  ...runRecord(runId),
  ...overrides,
});
/** A resource item as the store writes it, with the table's keys, and `overrides` on top. */
const rawResource = (runId: string, overrides: Record<string, unknown> = {}) => ({
  pk: `RUN#${runId}`,
  sk: `RES#${ref.arn}`,
  ttl: 1,
  ...resourceRecord(runId, ref),
  ...overrides,
});

/** The error a read throws, asserted to be a MalformedItemError. */
async function malformed(read: Promise<unknown>): Promise<MalformedItemError> {
  const error = await caught(read);
  expect(error).toBeInstanceOf(MalformedItemError);
  return error as MalformedItemError;
}

describe('parseItem', () => {
  it('returns the item with the attributes the schema does not name, such as the table keys', () => {
    // Act
    const run = parseItem(runRecordSchema, rawRun('r', { addedLater: 'x' }), { pk: 'RUN#r', sk: 'RUN' });

    // Assess
    expect(run).toEqual({ ...rawRun('r'), addedLater: 'x' });
  });

  it('names the key the reader gives when the item carries none (a projection), and every bad field', () => {
    // Act
    const error = (() => {
      try {
        return parseItem(copyRegionRecordSchema, { region: 7 }, { pk: 'COPY-REGIONS', sk: 'REGION#?' });
      } catch (e) {
        return e as MalformedItemError;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(MalformedItemError);
    expect(error).toMatchObject({ key: { pk: 'COPY-REGIONS', sk: 'REGION#?' }, fields: ['region', 'recordedAt'] });
    expect((error as Error).message).toBe(
      'state item COPY-REGIONS REGION#? is malformed: region: Invalid input: expected string, received number; recordedAt: Invalid input: expected string, received undefined',
    );
  });
});

describe('StateStore reads refuse a malformed item', () => {
  it('getRun: names the run item and each bad field (status "DONE", counts a string)', async () => {
    // Prepare
    const runId = `bad-run-${++n}`;
    await putRaw(
      rawRun(runId, { status: 'DONE', counts: { total: '2', completed: 1, failed: 0, skipped: 0, unfinished: 0 } }),
    );

    // Act
    const error = await malformed(db().store().getRun(runId));

    // Assess
    expect(error.key).toEqual({ pk: `RUN#${runId}`, sk: 'RUN' });
    expect(error.fields).toEqual(['status', 'counts.total']);
    expect(error.message).toMatch(new RegExp(`^state item RUN#${runId} RUN is malformed: status: Invalid option`));
    expect(error.message).toContain('counts.total: Invalid input: expected number, received string');
  });

  it('getResource: names the resource item when its arn is missing', async () => {
    // Prepare
    const runId = `bad-res-${++n}`;
    const { arn: _arn, ...withoutArn } = rawResource(runId);
    await putRaw(withoutArn);

    // Act
    const error = await malformed(db().store().getResource(runId, ref.arn));

    // Assess
    expect(error.key).toEqual({ pk: `RUN#${runId}`, sk: `RES#${ref.arn}` });
    expect(error.fields).toEqual(['arn']);
  });

  it('listResources: refuses the malformed item of a page, naming it among good ones', async () => {
    // Prepare
    const store = db().store();
    const runId = `bad-list-${++n}`;
    await store.createRun(runRecord(runId));
    await store.addResource(resourceRecord(runId, instanceRef('i-0aaaaaaaaaaaaaaaa')));
    await putRaw(rawResource(runId, { status: 'DONE' }));

    // Act
    const error = await malformed(store.listResources(runId));

    // Assess
    expect(error.key).toEqual({ pk: `RUN#${runId}`, sk: `RES#${ref.arn}` });
    expect(error.fields).toEqual(['status']);
  });

  it('listBackupMembers: names the item by its arn (the projection reads no keys) and the bad copy field', async () => {
    // Prepare
    const runId = `bad-members-${++n}`;
    await putRaw(rawResource(runId, { copies: [{ region: 'us-west-2', ids: 'snap-1', status: 'COMPLETED' }] }));

    // Act
    const error = await malformed(db().store().listBackupMembers(runId));

    // Assess
    expect(error.key).toEqual({ pk: `RUN#${runId}`, sk: `RES#${ref.arn}` });
    expect(error.fields).toEqual(['copies[0].ids']);
  });

  it('listRuns: refuses a malformed run, whole or through a projection of the bad field', async () => {
    // Prepare
    const table = await db().createTable(`bad-runs-${++n}`);
    const store = new StateStore(db().doc, table);
    await store.createRun(runRecord('good', { startedAt: '2026-01-04T02:00:00.000Z' }));
    await putRaw(rawRun('bad', { dryRun: 'no' }), table);

    // Act
    const whole = await malformed(store.listRuns());
    const projected = await malformed(store.listRuns(5, ['runId', 'dryRun']));
    const elsewhere = await store.listRuns(5, ['runId', 'tier']);

    // Assess
    for (const error of [whole, projected]) {
      expect(error.key).toEqual({ pk: 'RUN#bad', sk: 'RUN' });
      expect(error.fields).toEqual(['dryRun']);
    }
    expect(elsewhere.map((r) => r.runId)).toEqual(['bad', 'good']);
  });

  it('listCopyRegions: refuses an item without its region', async () => {
    // Prepare
    const table = await db().createTable(`bad-regions-${++n}`);
    const store = new StateStore(db().doc, table);
    await store.recordCopyRegions(['us-west-2'], AT);
    await putRaw({ pk: 'COPY-REGIONS', sk: 'REGION#eu-central-1', recordedAt: AT }, table);

    // Act
    const error = await malformed(store.listCopyRegions());

    // Assess
    expect(error.key).toEqual({ pk: 'COPY-REGIONS', sk: 'REGION#eu-central-1' });
    expect(error.fields).toEqual(['region']);
  });

  it('markStarting, complete and fail: refuse the item they update when it is malformed', async () => {
    // Prepare
    const store = db().store();
    const runIds = [`bad-update-${++n}`, `bad-update-${++n}`, `bad-update-${++n}`];
    for (const runId of runIds) await putRaw(rawResource(runId, { polls: 'three' }));
    const [starting = '', completing = '', failing = ''] = runIds;

    // Act
    const errors = [
      await malformed(store.markStarting(starting, ref.arn, AT)),
      await malformed(store.complete(completing, ref.arn, AT)),
      await malformed(store.fail(failing, ref.arn, AT, { error: 'X', cause: 'y' })),
    ];

    // Assess
    expect(errors.map((e) => [e.key.pk, e.fields])).toEqual(runIds.map((runId) => [`RUN#${runId}`, ['polls']]));
  });
});

describe('StateStore writes items its reads parse', () => {
  /** The item as stored, without the table's keys: every other attribute must be one the schema names. */
  const stored = async (pk: string, sk: string, tableName = db().tableName) => {
    const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, ttl: _ttl, ...item } = (await rawItem(pk, sk, tableName)) ?? {};
    return item;
  };
  const resourceAfter = async (runId: string) =>
    resourceRecordSchema.strict().parse(await stored(`RUN#${runId}`, `RES#${ref.arn}`));

  it('createRun and updateRun: the run item, with every field the workflow writes', async () => {
    // Prepare: a table of its own, so that listRuns meets no malformed run of the tests above.
    const table = await db().createTable(`round-runs-${++n}`);
    const store = new StateStore(db().doc, table);
    const runId = `round-run-${n}`;
    await store.createRun(runRecord(runId, { reason: 'before release 42', input: { tier: 'daily', dryRun: false } }));
    const created = runRecordSchema.strict().parse(await stored(`RUN#${runId}`, 'RUN', table));

    // Act
    await store.updateRun(runId, {
      status: 'FAILED',
      finishedAt: AT,
      counts: { total: 2, completed: 1, failed: 1, skipped: 0, unfinished: 0 },
      retention: { dryRun: true, deleted: 1, kept: 1, failedDeletes: 0, deletedIds: ['snap-old'] },
      retentionDecisions: [
        { id: 'snap-old', kind: 'ebs-snapshot', region: 'eu-west-1', action: 'delete', rule: 'expired at x' },
        {
          id: 'snap-new',
          kind: 'ebs-snapshot',
          region: 'eu-west-1',
          action: 'keep',
          rule: 'not expired',
          ruleId: 'not-expired',
          tier: 'daily',
          source: ref.arn,
          runId,
          createdAt: AT,
        },
      ],
    });

    // Assess
    expect(created).toMatchObject({ runId, reason: 'before release 42' });
    const updated = runRecordSchema.strict().parse(await stored(`RUN#${runId}`, 'RUN', table));
    expect(updated).toMatchObject({ status: 'FAILED', counts: { total: 2 }, retention: { deleted: 1 } });
    await expect(store.getRun(runId)).resolves.toMatchObject(updated);
    await expect(store.listRuns()).resolves.toMatchObject([updated]);
    await expect(store.listRuns(1, ['runId', 'status', 'counts'])).resolves.toEqual([
      { runId, status: 'FAILED', counts: updated.counts },
    ]);
  });

  it('recordCopyRegions: the COPY-REGIONS item', async () => {
    // Act
    await db().store().recordCopyRegions(['ap-south-2'], AT);

    // Assess
    expect(copyRegionRecordSchema.strict().parse(await stored('COPY-REGIONS', 'REGION#ap-south-2'))).toEqual({
      region: 'ap-south-2',
      recordedAt: AT,
    });
    await expect(db().store().listCopyRegions()).resolves.toContain('ap-south-2');
  });

  it.each<[string, (store: StateStore, runId: string) => Promise<unknown>]>([
    ['addResource (planned, with a note and the source tags)', async () => undefined],
    ['markStarting', (s, runId) => s.markStarting(runId, ref.arn, AT)],
    [
      'unmarkAttempt',
      async (s, runId) => {
        await s.markStarting(runId, ref.arn, AT);
        await s.unmarkAttempt(runId, ref.arn);
      },
    ],
    [
      'noteCreateCall and saveBackup',
      async (s, runId) => {
        await s.markStarting(runId, ref.arn, AT);
        await s.noteCreateCall(runId, ref.arn, AT);
        await s.saveBackup(runId, ref.arn, {
          backupIds: ['snap-1', 'snap-2'],
          startedAt: AT,
          deadline: AT,
          sizeGiB: 8,
        });
      },
    ],
    [
      'saveProgress',
      async (s, runId) => {
        await s.markStarting(runId, ref.arn, AT);
        await s.saveProgress(runId, ref.arn, { progress: 40, polls: 1, lastCheckedAt: AT });
      },
    ],
    [
      'noteCopyCall, forgetCopyCall and saveCopies',
      async (s, runId) => {
        await s.markStarting(runId, ref.arn, AT);
        await s.noteCopyCall(runId, ref.arn, 'us-west-2', AT);
        await s.noteCopyCall(runId, ref.arn, 'eu-central-1', AT);
        await s.forgetCopyCall(runId, ref.arn, 'eu-central-1');
        await s.saveCopies(runId, ref.arn, [
          { region: 'us-west-2', ids: ['snap-c'], status: 'COPYING', reason: null, startedAt: AT },
          { region: 'eu-central-1', ids: [], status: 'SKIPPED', reason: 'not copied' },
        ]);
      },
    ],
    [
      'complete',
      async (s, runId) => {
        await s.markStarting(runId, ref.arn, AT);
        await s.complete(runId, ref.arn, AT);
      },
    ],
    ['fail', (s, runId) => s.fail(runId, ref.arn, AT, { error: 'QuotaExceededError', cause: 'RDS: 100 snapshots' })],
  ])('%s: the resource item', async (_path, act) => {
    // Prepare
    const store = db().store();
    const runId = `round-res-${++n}`;
    await store.createRun(runRecord(runId));
    await store.addResource(
      resourceRecord(runId, ref, { note: 'via its cluster', sourceTags: [{ Key: 'team', Value: 'shop' }] }),
    );

    // Act
    await act(store, runId);

    // Assess: the stored item names no attribute the schema does not, and every read takes it.
    const item = await resourceAfter(runId);
    await expect(store.getResource(runId, ref.arn)).resolves.toMatchObject(item);
    await expect(store.listResources(runId)).resolves.toHaveLength(1);
    await expect(store.listBackupMembers(runId)).resolves.toHaveLength(1);
  });
});
