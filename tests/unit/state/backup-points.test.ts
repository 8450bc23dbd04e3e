/**
 * Restore points (shared/state/restore-points.ts, shared/workflow/backup/restore-point-of.ts) on a real DynamoDB
 * (dynalite): what Record result writes for a completed backup, how `backups` lists a resource's points
 * newest first, and how `restore <id>` finds a point by a backup's or a copy's id.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { MalformedItemError } from '../../../shared/state/records';
import { livePlaces, pointIds, RestorePointStore } from '../../../shared/state/restore-points';
import { restorePointOf } from '../../../shared/workflow/backup/restore-point-of';
import { useUnitDynalite } from '../../support/unit-dynalite';
import { resourceRecord } from '../../support/unit-fixtures';
import { instanceRef, volumeRef } from '../services/ec2/fixtures';

const db = useUnitDynalite();
const points = () => new RestorePointStore(db().doc, db().tableName, 30);
const vol = volumeRef();
const settings = { availabilityZone: 'eu-west-1b', volumeType: 'gp3' };

const completedItem = (runId: string, extra: Parameters<typeof resourceRecord>[2] = {}) =>
  resourceRecord(runId, vol, {
    status: 'COMPLETED',
    backupIds: [`snap-${runId}`],
    finishedAt: `2026-01-0${runId.slice(-1)}T03:00:00.000Z`,
    sizeGiB: 100,
    restoreSettings: settings,
    ...extra,
  });
const pointFor = (runId: string, extra: Parameters<typeof resourceRecord>[2] = {}) =>
  restorePointOf(
    {
      runId,
      tier: 'daily',
      expiresAt: '2026-02-01T00:00:00.000Z',
      resource: vol,
      backup: { backupIds: [`snap-${runId}`] },
    },
    completedItem(runId, extra),
  );

describe('restorePointOf', () => {
  it('keeps the backup ids, size, expiry and the restore settings Plan recorded', () => {
    // Act
    const point = pointFor('run-1');

    // Assess
    expect(point).toMatchObject({
      arn: vol.arn,
      type: 'ebs-volume',
      region: vol.region,
      resourceId: vol.id,
      runId: 'run-1',
      tier: 'daily',
      backupIds: ['snap-run-1'],
      completedAt: '2026-01-01T03:00:00.000Z',
      expiresAt: '2026-02-01T00:00:00.000Z',
      sizeGiB: 100,
      restoreSettings: settings,
    });
  });

  it('lists only the copies that exist: a failed or skipped copy cannot be restored from', () => {
    const point = pointFor('run-1', {
      copies: [
        { region: 'us-west-2', ids: ['snap-copy'], status: 'COMPLETED', reason: null },
        { region: 'eu-central-1', ids: [], status: 'FAILED', reason: 'LimitExceededError' },
      ],
    });
    expect(point.copies.map((c) => c.region)).toEqual(['us-west-2']);
    expect(pointIds(point)).toEqual(['snap-run-1', 'snap-copy']);
  });

  it("records the instance's mode, so the restore knows an AMI from a snapshot set", () => {
    const ami = restorePointOf(
      {
        runId: 'run-1',
        tier: 'daily',
        resource: { ...instanceRef(), mode: 'ami' },
        backup: { backupIds: ['ami-0123'] },
      },
      resourceRecord('run-1', instanceRef(), { status: 'COMPLETED', backupIds: ['ami-0123'] }),
    );
    expect(ami.mode).toBe('ami');
  });
});

describe('RestorePointStore', () => {
  it("lists a resource's points newest first", async () => {
    // Prepare
    const store = points();
    for (const runId of ['run-2', 'run-1', 'run-3']) await store.save(pointFor(runId));

    // Act
    const listed = await store.list(vol.arn);

    // Assess
    expect(listed.map((p) => p.runId)).toEqual(['run-3', 'run-2', 'run-1']);
  });

  it("finds a point by any of its backup ids or its copies' ids", async () => {
    const store = points();
    await store.save(
      pointFor('run-4', { copies: [{ region: 'us-west-2', ids: ['snap-dr-4'], status: 'COMPLETED', reason: null }] }),
    );
    expect((await store.findById('snap-run-4'))?.runId).toBe('run-4');
    expect((await store.findById('snap-dr-4'))?.copies[0]?.region).toBe('us-west-2');
    await expect(store.findById('snap-never-made')).resolves.toBeUndefined();
  });

  it('is idempotent: a retried Record result writes the same point once', async () => {
    const store = points();
    await store.save(pointFor('run-5'));
    await store.save(pointFor('run-5'));
    expect((await store.list(vol.arn)).filter((p) => p.runId === 'run-5')).toHaveLength(1);
  });

  it("expires the point ttlDays after its backup's expiry, not after the run", async () => {
    await points().save(pointFor('run-6'));
    const item = await db().doc.send(
      new GetCommand({ TableName: db().tableName, Key: { pk: `POINTS#${vol.arn}`, sk: 'RUN#run-6' } }),
    );
    expect(item.Item?.ttl).toBe(Date.parse('2026-02-01T00:00:00.000Z') / 1000 + 30 * 86_400);
  });

  it('refuses to read a malformed point, naming it', async () => {
    await db().doc.send(
      new PutCommand({
        TableName: db().tableName,
        Item: { pk: 'POINTS#arn:broken', sk: 'RUN#r', arn: 'arn:broken', backupIds: [] },
      }),
    );
    await expect(points().list('arn:broken')).rejects.toBeInstanceOf(MalformedItemError);
  });
});

describe('RestorePointStore.markDeleted (retention)', () => {
  const copyOf = (region: string, ids: string[]) => ({ region, ids, status: 'COMPLETED' as const, reason: null });

  it('notes each deleted backup and removes the point, with its index items, once every backup and copy is gone', async () => {
    // Prepare: an instance-like set of two snapshots, copied to us-west-2
    const store = points();
    await store.save(
      pointFor('run-7', {
        backupIds: ['snap-7a', 'snap-7b'],
        copies: [copyOf('us-west-2', ['snap-dr-7a', 'snap-dr-7b'])],
      }),
    );

    // Act + Assess: the source's set deleted, its copies kept: the point stays, restorable only in us-west-2
    expect(await store.markDeleted('eu-west-1', 'snap-7a')).toBe('noted');
    expect(await store.markDeleted('eu-west-1', 'snap-7b')).toBe('noted');
    const half = await store.get(vol.arn, 'run-7');
    expect(half?.deleted).toEqual(['eu-west-1/snap-7a', 'eu-west-1/snap-7b']);
    expect(livePlaces(half ?? ({} as never)).map((p) => p.region)).toEqual(['us-west-2']);

    // The copies deleted in parallel: exactly one of them completes the set and removes the point
    const outcomes = await Promise.all([
      store.markDeleted('us-west-2', 'snap-dr-7a'),
      store.markDeleted('us-west-2', 'snap-dr-7b'),
    ]);
    expect(outcomes.sort()).toEqual(['noted', 'point-removed']);
    expect((await store.list(vol.arn)).filter((p) => p.runId === 'run-7')).toEqual([]);
    for (const id of ['snap-7a', 'snap-7b', 'snap-dr-7a', 'snap-dr-7b'])
      await expect(store.findById(id)).resolves.toBeUndefined();
    // A retried pass notes the same delete again: nothing is recreated
    expect(await store.markDeleted('us-west-2', 'snap-dr-7a')).toBe('no-point');
    await expect(store.get(vol.arn, 'run-7')).resolves.toBeUndefined();
  });

  it('tells an RDS copy from its original by region (both carry the same identifier)', async () => {
    const store = points();
    await store.save(
      pointFor('run-8', { backupIds: ['bp-run-8-orders'], copies: [copyOf('us-west-2', ['bp-run-8-orders'])] }),
    );

    expect(await store.markDeleted('eu-west-1', 'bp-run-8-orders')).toBe('noted');

    const point = await store.get(vol.arn, 'run-8');
    expect(livePlaces(point ?? ({} as never))).toEqual([{ region: 'us-west-2', ids: ['bp-run-8-orders'] }]);
    expect((await store.findById('bp-run-8-orders'))?.runId).toBe('run-8');
  });

  it('leaves alone a backup no point names, and creates nothing for it', async () => {
    const store = points();
    expect(await store.markDeleted('eu-west-1', 'snap-from-before-points')).toBe('no-point');
    await expect(store.findById('snap-from-before-points')).resolves.toBeUndefined();
  });
});
