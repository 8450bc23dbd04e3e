/**
 * Retention in passes (shared/workflow/retention/retention-units.ts): a unit decides each store once, deletes at
 * most one burst per pass, resumes where a pass stopped (burst used, time budget reached), counts a
 * backup already gone as deleted, waits out throttling with the shared helper, and ends with the same
 * decisions and deletes as the single pass.
 */
import { ResourceNotFoundError, ThrottledError } from '../../../shared/errors';
import { backupStores } from '../../../shared/services';
import { BACKUP_KINDS, SERVICES } from '../../../shared/services/catalog';
import type { BackupStore, OwnedBackup } from '../../../shared/services/driver';
import type { RestorePoint } from '../../../shared/state/records';
import { RestorePointStore } from '../../../shared/state/restore-points';
import { RetentionLedger } from '../../../shared/state/retention-ledger';
import { applyRetention } from '../../../shared/workflow/retention/retention';
import { summarizeRetention } from '../../../shared/workflow/retention/retention-summary';
import {
  FIRST_CURSOR,
  type PassResult,
  REFILL_WAIT_SECONDS,
  type RetentionCursor,
  retentionUnits,
  runRetentionPass,
} from '../../../shared/workflow/retention/retention-units';
import { useUnitDynalite } from '../../support/unit-dynalite';
import { REGION, runRecord, STACK, TIERS } from '../../support/unit-fixtures';
import { dailyEbsBackup, volumeRef } from '../services/ec2/fixtures';

const db = useUnitDynalite();
const NOW = new Date('2026-03-01T00:00:00.000Z');
const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

/** A finished daily EBS backup of volume `source`, `ageDays` old, expiring 7 days after it was made. */
const backup = (id: string, ageDays: number, source = 'a', extra: Partial<OwnedBackup> = {}): OwnedBackup =>
  dailyEbsBackup(NOW, id, ageDays, { source: volumeRef(`vol-${source}`).arn, ...extra });

/** 3 sources × 30 daily backups, plus a held, a running and a foreign one: 72 expired to delete. */
const ESTATE = (): OwnedBackup[] => [
  ...['a', 'b', 'c'].flatMap((s) => Array.from({ length: 30 }, (_, d) => backup(`snap-${s}-${d}`, d + 1, s))),
  backup('snap-held', 40, 'a', { heldBy: ['ami-1'] }),
  backup('snap-running', 40, 'b', { complete: false }),
  backup('snap-foreign', 40, 'c', { managedBy: 'Other' }),
];

/** An in-memory store (the driver boundary): deletes remove backups, a second delete of one is NotFound. */
function memoryStore(backups: OwnedBackup[], faults: { throttleFirst?: number } = {}) {
  const present = new Map(backups.map((b) => [b.id, b]));
  const deleteCalls: string[] = [];
  let throttles = faults.throttleFirst ?? 0;
  const store: BackupStore = {
    kind: 'ebs-snapshot',
    async listOwned(region) {
      return [...present.values()].filter((b) => b.region === region).map((b) => ({ ...b }));
    },
    async delete(b) {
      deleteCalls.push(b.id);
      if (throttles > 0) {
        throttles--;
        throw new ThrottledError('RequestLimitExceeded (test)');
      }
      if (!present.delete(b.id)) throw new ResourceNotFoundError(`${b.id} does not exist`);
    },
  };
  return { store, present, deleteCalls };
}

let n = 0;
async function run(): Promise<string> {
  const runId = `units-${++n}`;
  await db().store().createRun(runRecord(runId));
  return runId;
}

const unit = { key: `${REGION}.ec2`, region: REGION, kinds: ['ebs-snapshot'] };

function pass(runId: string, store: BackupStore, cursor: RetentionCursor, options: { budget?: () => number } = {}) {
  return runRetentionPass({
    runId,
    dryRun: false,
    unit,
    cursor,
    stackName: STACK,
    tiers: TIERS,
    stores: [store],
    store: db().store(),
    ledger: new RetentionLedger(db().doc, db().tableName),
    points: new RestorePointStore(db().doc, db().tableName),
    now: NOW,
    budgetMs: options.budget ?? (() => 60_000),
    log: silent,
    deletesPerPass: 20,
  });
}

async function untilDone(runId: string, store: BackupStore): Promise<PassResult[]> {
  const results: PassResult[] = [];
  let cursor = FIRST_CURSOR;
  for (;;) {
    const result = await pass(runId, store, cursor);
    results.push(result);
    if (result.done) return results;
    cursor = result.cursor;
  }
}

describe('retentionUnits', () => {
  it("gives one unit per region and service, a service's stores in the single pass's order (AMIs first)", () => {
    // Every backup store, in the single pass's order.
    const stores = backupStores();

    const units = retentionUnits([REGION, 'us-west-2'], stores);

    expect(units.map((u) => u.key)).toEqual(
      [REGION, 'us-west-2'].flatMap((region) => SERVICES.map((service) => `${region}.${service.service}`)),
    );
    expect(units.flatMap((u) => u.kinds).sort()).toEqual([...BACKUP_KINDS, ...BACKUP_KINDS].sort());
    expect(units[0]?.kinds).toEqual(['ec2-image', 'ebs-snapshot']);
  });
});

describe('runRetentionPass', () => {
  it('deletes at most one burst per pass, asks for a refill wait, and ends with the single pass decisions', async () => {
    // Prepare: the same estate twice, one for the passes, one for the single pass
    const runId = await run();
    const fanned = memoryStore(ESTATE());
    const single = memoryStore(ESTATE());
    const singleRunId = await run();

    // Act
    const results = await untilDone(runId, fanned.store);
    const summary = await summarizeRetention({
      runId,
      dryRun: false,
      units: [unit.key],
      ledger: new RetentionLedger(db().doc, db().tableName),
      store: db().store(),
    });
    await applyRetention({
      runId: singleRunId,
      dryRun: false,
      stackName: STACK,
      tiers: TIERS,
      regions: [REGION],
      stores: [single.store],
      store: db().store(),
      now: NOW,
      log: silent,
    });

    // Assess: 72 deletes in passes of 20, each delete called once, the same survivors as the single pass
    expect(results.filter((r) => !r.done).every((r) => r.waitSeconds === REFILL_WAIT_SECONDS)).toBe(true);
    expect(results).toHaveLength(Math.ceil(72 / 20));
    expect(new Set(fanned.deleteCalls).size).toBe(fanned.deleteCalls.length);
    expect([...fanned.present.keys()].sort()).toEqual([...single.present.keys()].sort());
    expect(summary).toMatchObject({ deleted: 72, kept: 20, failedDeletes: 0 });
    const recorded = (await db().store().getRun(runId))?.retentionDecisions ?? [];
    const reference = (await db().store().getRun(singleRunId))?.retentionDecisions ?? [];
    const key = (d: { id: string; action: string; ruleId?: string }) => `${d.id} ${d.action} ${d.ruleId}`;
    expect(recorded.map(key).sort()).toEqual(reference.map(key).sort());
  });

  it("names a unit that never reached its last pass (its child failed in the Map) and still records the others' counts", async () => {
    // Prepare: one unit passed to its end; another Plan retention listed never recorded a last pass
    const runId = await run();
    await untilDone(runId, memoryStore(ESTATE()).store);

    // Act
    const summary = summarizeRetention({
      runId,
      dryRun: false,
      units: [unit.key, 'us-west-2.ec2'],
      ledger: new RetentionLedger(db().doc, db().tableName),
      store: db().store(),
    });

    // Assess
    await expect(summary).rejects.toMatchObject({
      name: 'RetentionIncompleteError',
      message: expect.stringContaining('retention did not finish in us-west-2.ec2'),
    });
    const recorded = (await db().store().getRun(runId))?.retention;
    expect(recorded).toMatchObject({ deleted: 72, failedDeletes: 0, failedUnits: ['us-west-2.ec2'] });
  });

  it('stops when its time budget runs out and the next pass resumes there, deleting nothing twice', async () => {
    // Prepare: a budget that lasts for the listing and one batch of deletes
    const runId = await run();
    const memory = memoryStore(ESTATE());
    let checks = 0;
    const budget = () => (++checks <= 3 ? 1 : 0);

    // Act
    const first = await pass(runId, memory.store, FIRST_CURSOR, { budget });
    const rest: PassResult[] = [];
    let cursor = first.cursor;
    for (let done = first.done; !done; ) {
      const next = await pass(runId, memory.store, cursor);
      rest.push(next);
      cursor = next.cursor;
      done = next.done;
    }

    // Assess
    expect(first).toMatchObject({ done: false, waitSeconds: 1 });
    expect(first.cursor).toMatchObject({ pages: 1, offset: 10, pass: 1 });
    expect(memory.deleteCalls).toHaveLength(72);
    expect(new Set(memory.deleteCalls).size).toBe(72);
    const passes = await new RetentionLedger(db().doc, db().tableName).listPasses(runId);
    expect(passes.reduce((s, p) => s + p.deleted, 0)).toBe(72);
    expect(passes.reduce((s, p) => s + p.kept, 0)).toBe(20);
  });

  it('counts a backup already gone (an earlier attempt of a retried pass deleted it) as deleted, not failed', async () => {
    // Prepare: the first attempt of pass 1 deleted some, then its Lambda died before answering
    const runId = await run();
    const memory = memoryStore(ESTATE());
    const first = await pass(runId, memory.store, FIRST_CURSOR);
    await pass(runId, memory.store, first.cursor);

    // Act: the state machine retries pass 1 with the same cursor
    const retried = await pass(runId, memory.store, first.cursor);

    // Assess: the retry's record replaces the first attempt's, nothing counted twice or failed
    const passes = await new RetentionLedger(db().doc, db().tableName).listPasses(runId);
    expect(passes.map((p) => p.pass)).toEqual([0, 1]);
    expect(passes[1]).toMatchObject({ deleted: 20, failedDeletes: 0 });
    expect(retried.cursor).toEqual({ ...first.cursor, offset: 40, pass: 2 });
  });

  it('counts what a first pass deleted before it failed, when the state machine retries it', async () => {
    // Prepare: the first pass decides the store, deletes a batch, then fails noting the 6th on its point.
    const runId = await run();
    const memory = memoryStore(ESTATE());
    const markDeleted = RestorePointStore.prototype.markDeleted;
    let notes = 0;
    const failing = jest.spyOn(RestorePointStore.prototype, 'markDeleted').mockImplementation(async function (
      this: RestorePointStore,
      ...args
    ) {
      if (++notes === 6) throw new Error('simulated: the note was lost');
      return markDeleted.apply(this, args);
    });
    await expect(pass(runId, memory.store, FIRST_CURSOR)).rejects.toThrow('the note was lost');
    failing.mockRestore();
    expect(memory.present.size).toBe(93 - 10);

    // Act: the retry, with the same cursor, then the passes after it
    let cursor = FIRST_CURSOR;
    for (;;) {
      const result = await pass(runId, memory.store, cursor);
      if (result.done) break;
      cursor = result.cursor;
    }

    // Assess: every expired backup is deleted and counted once, those of the failed attempt included
    const passes = await new RetentionLedger(db().doc, db().tableName).listPasses(runId);
    expect(passes.reduce((sum, p) => sum + p.deleted, 0)).toBe(72);
    expect(passes.reduce((sum, p) => sum + p.failedDeletes, 0)).toBe(0);
    expect(memory.present.size).toBe(93 - 72);
  });

  it('waits out a throttled delete with the shared throttle-retry helper instead of failing it', async () => {
    // Prepare
    const runId = await run();
    const memory = memoryStore(ESTATE(), { throttleFirst: 1 });

    // Act
    await pass(runId, memory.store, FIRST_CURSOR);

    // Assess: one delete throttled once and retried; all 20 of the burst deleted
    const passes = await new RetentionLedger(db().doc, db().tableName).listPasses(runId);
    expect(passes[0]).toMatchObject({ deleted: 20, failedDeletes: 0 });
    expect(memory.deleteCalls).toHaveLength(21);
  });

  it('in a dry run decides every store in one pass and deletes nothing', async () => {
    const runId = await run();
    const memory = memoryStore(ESTATE());

    const result = await runRetentionPass({
      runId,
      dryRun: true,
      unit,
      cursor: FIRST_CURSOR,
      stackName: STACK,
      tiers: TIERS,
      stores: [memory.store],
      store: db().store(),
      ledger: new RetentionLedger(db().doc, db().tableName),
      points: new RestorePointStore(db().doc, db().tableName),
      now: NOW,
      budgetMs: () => 60_000,
      log: silent,
    });

    expect(result.done).toBe(true);
    expect(memory.deleteCalls).toEqual([]);
    const passes = await new RetentionLedger(db().doc, db().tableName).listPasses(runId);
    expect(passes[0]).toMatchObject({ dryRun: true, deleted: 72, kept: 20 });
  });

  it('removes the restore point of each backup it deletes; the points of a kept backup and of a failed delete stay', async () => {
    // Prepare: points for an expired backup, a kept one (not expired) and an expired one whose delete fails
    const runId = await run();
    const memory = memoryStore(ESTATE());
    const remove = memory.store.delete.bind(memory.store);
    memory.store.delete = async (b) => {
      if (b.id === 'snap-b-25') throw Object.assign(new Error('not authorized (test)'), { name: 'AccessDenied' });
      return remove(b);
    };
    const points = new RestorePointStore(db().doc, db().tableName);
    const pointOf = (id: string, source: string): RestorePoint => ({
      arn: volumeRef(`vol-${source}`).arn,
      type: 'ebs-volume',
      region: REGION,
      resourceId: `vol-${source}`,
      runId: `run-of-${id}`,
      tier: 'daily',
      backupIds: [id],
      completedAt: NOW.toISOString(),
      copies: [],
    });
    for (const [id, source] of [
      ['snap-a-20', 'a'],
      ['snap-a-0', 'a'],
      ['snap-b-25', 'b'],
    ] as const)
      await points.save(pointOf(id, source));

    // Act
    await untilDone(runId, memory.store);

    // Assess
    expect(memory.present.has('snap-a-20')).toBe(false);
    expect((await points.list(volumeRef('vol-a').arn)).map((p) => p.backupIds[0])).toEqual(['snap-a-0']);
    await expect(points.findById('snap-a-20')).resolves.toBeUndefined();
    expect(memory.present.has('snap-b-25')).toBe(true);
    expect((await points.list(volumeRef('vol-b').arn)).map((p) => p.backupIds[0])).toEqual(['snap-b-25']);
  });

  it('in a dry run leaves every restore point', async () => {
    const runId = await run();
    const memory = memoryStore(ESTATE());
    const points = new RestorePointStore(db().doc, db().tableName);
    const markDeleted = jest.spyOn(points, 'markDeleted');

    await runRetentionPass({
      runId,
      dryRun: true,
      unit,
      cursor: FIRST_CURSOR,
      stackName: STACK,
      tiers: TIERS,
      stores: [memory.store],
      store: db().store(),
      ledger: new RetentionLedger(db().doc, db().tableName),
      points,
      now: NOW,
      budgetMs: () => 60_000,
      log: silent,
    });

    expect(markDeleted).not.toHaveBeenCalled();
  });
});
