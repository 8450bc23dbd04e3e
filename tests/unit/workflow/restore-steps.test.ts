/**
 * The restore workflow's steps (shared/workflow/restore/restore.ts) on a real state table (dynalite), with a
 * restore driver that keeps its resources in memory: the record written before AWS is asked, a retried
 * start that finds the same record, checks that wait longer as time passes and time out, the recovery
 * time, a clean-up that loops until nothing is left and reads what to delete from the record, and the
 * final record and message of a restore, a drill, and a drill whose clean-up failed.
 */
import type { RestoreCheck, RestoreDriver } from '../../../shared/services/restore';
import { RestoreStore } from '../../../shared/state/restore-store';
import {
  checkRestore,
  cleanUpRestore,
  finishRestore,
  RESTORE_DEADLINE_HOURS,
  RESTORE_WAIT,
  recordPlanned,
  restoreSucceeded,
  startRestore,
} from '../../../shared/workflow/restore/restore';
import { restoreMessage } from '../../../shared/workflow/restore/restore-notification';
import type { RestorePlan } from '../../../shared/workflow/restore/restore-plan';
import { useUnitDynalite } from '../../support/unit-dynalite';

const db = useUnitDynalite();
const OWNER = 'BackupPipeline@eu-west-1';
const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/** A driver over an in-memory estate: what it made, its state, and what it was asked to remove. */
function memoryDriver() {
  const made = new Map<string, { state: RestoreCheck['status']; restoreId: string }>();
  const removing = new Set<string>();
  const driver: RestoreDriver = {
    type: 'ebs-volume',
    nameProblem: () => undefined,
    nameHolder: async () => undefined,
    async start(request) {
      const existing = [...made].find(([, v]) => v.restoreId === request.restoreId);
      if (existing) return { restoredIds: [existing[0]], reused: true };
      made.set(`vol-${made.size + 1}`, { state: 'RESTORING', restoreId: request.restoreId });
      return { restoredIds: [`vol-${made.size}`], reused: false };
    },
    async check(_region, ids) {
      const v = made.get(ids[0] ?? '');
      if (!v) return { status: 'FAILED', reason: 'gone' };
      if (v.state === 'AVAILABLE') return { status: 'AVAILABLE', shape: { sizeGiB: 100 } };
      if (v.state === 'FAILED') return { status: 'FAILED', reason: 'error state' };
      return { status: 'RESTORING', state: 'creating' };
    },
    async remove(_region, ids, restoredBy) {
      expect(restoredBy).toBe(OWNER);
      for (const id of ids) {
        if (removing.has(id)) made.delete(id);
        else removing.add(id);
      }
      return ids.some((id) => made.has(id)) ? 'deleting' : 'gone';
    },
  };
  return { driver, made };
}

let n = 0;
const plan = (extra: Partial<RestorePlan> = {}): RestorePlan => ({
  restoreId: `restore-${++n}`,
  arn: 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0source',
  type: 'ebs-volume',
  mode: null,
  runId: 'daily-1',
  keepSeconds: 0,
  tier: 'daily',
  sourceRegion: 'eu-west-1',
  region: 'eu-west-1',
  backupIds: ['snap-1'],
  name: 'data-restored',
  drill: false,
  settings: { availabilityZone: 'eu-west-1a' },
  placement: null,
  ...extra,
});
/** What Plan the restore leaves: the record, before anything is asked of AWS. */
async function planned(extra: Partial<RestorePlan> = {}): Promise<RestorePlan> {
  const p = plan(extra);
  await recordPlanned(p, new RestoreStore(db().doc, db().tableName), T0);
  return p;
}
const deps = (driver: RestoreDriver, now: Date) => ({
  driver,
  store: new RestoreStore(db().doc, db().tableName),
  owner: OWNER,
  now,
});

describe('startRestore', () => {
  it('starts from the record Plan wrote, and a retried start makes nothing twice', async () => {
    // Prepare
    const { driver, made } = memoryDriver();
    const p = await planned();

    // Act
    const first = await startRestore(p, deps(driver, T0));
    const retried = await startRestore(p, deps(driver, at(3)));

    // Assess
    expect(made.size).toBe(1);
    expect(retried).toEqual(first);
    expect(first).toMatchObject({ status: 'RESTORING', restoredIds: ['vol-1'], startedAt: T0.toISOString() });
    expect(await new RestoreStore(db().doc, db().tableName).get(p.restoreId)).toMatchObject({
      status: 'RESTORING',
      restoredIds: ['vol-1'],
      startedAt: T0.toISOString(),
      drill: false,
    });
  });
});

describe('checkRestore', () => {
  it('waits longer as the restore takes longer, then records the recovery time and the shape', async () => {
    // Prepare
    const { driver, made } = memoryDriver();
    const p = await planned();
    const started = await startRestore(p, deps(driver, T0));

    // Act
    const early = await checkRestore(p, started, deps(driver, at(2)));
    const later = await checkRestore(p, early, deps(driver, at(60)));
    for (const v of made.values()) v.state = 'AVAILABLE';
    const done = await checkRestore(p, later, deps(driver, at(95)));

    // Assess
    expect(early.waitSeconds).toBe(120); // no progress to extrapolate from: as long again as it took so far
    expect(later.waitSeconds).toBeGreaterThan(early.waitSeconds);
    expect(later.waitSeconds).toBeLessThanOrEqual(RESTORE_WAIT.maxWaitSeconds);
    expect(done).toMatchObject({ status: 'AVAILABLE', polls: 3 });
    expect(await new RestoreStore(db().doc, db().tableName).get(p.restoreId)).toMatchObject({
      status: 'AVAILABLE',
      recoverySeconds: 95 * 60,
      shape: { sizeGiB: 100 },
    });
  });

  it(`fails a restore not available ${RESTORE_DEADLINE_HOURS} h after it started, with reason timeout`, async () => {
    const { driver } = memoryDriver();
    const p = await planned();
    const started = await startRestore(p, deps(driver, T0));
    const checked = await checkRestore(p, started, deps(driver, at(RESTORE_DEADLINE_HOURS * 60 + 1)));
    expect(checked.status).toBe('FAILED');
    expect(checked.reason).toMatch(/^timeout: /);
  });
});

describe('cleanUpRestore', () => {
  it('asks again until nothing is left, deleting what the record says was made, then records DELETED', async () => {
    // Prepare
    const { driver, made } = memoryDriver();
    const p = await planned({ drill: true });
    await startRestore(p, deps(driver, T0));

    // Act
    const first = await cleanUpRestore(p, deps(driver, at(10)));
    const second = await cleanUpRestore(p, deps(driver, at(12)));

    // Assess
    expect(first.status).toBe('DELETING');
    expect(second.status).toBe('DELETED');
    expect(made.size).toBe(0);
    expect((await new RestoreStore(db().doc, db().tableName).get(p.restoreId))?.cleanup?.status).toBe('DELETED');
  });
});

describe('finishRestore', () => {
  it('records a failed step with its named error and says so', async () => {
    // Prepare
    const { driver } = memoryDriver();
    const p = await planned();
    await startRestore(p, deps(driver, T0));

    // Act
    const record = await finishRestore(
      {
        restore: p,
        error: {
          Error: 'NameInUseError',
          Cause: JSON.stringify({ errorMessage: 'volume name data-restored is in use in eu-west-1' }),
        },
      },
      deps(driver, at(1)),
    );

    // Assess
    expect(record).toMatchObject({
      status: 'FAILED',
      error: { error: 'NameInUseError', cause: 'volume name data-restored is in use in eu-west-1' },
    });
    expect(restoreSucceeded(record)).toBe(false);
    expect(restoreMessage(record, 'BackupPipeline').subject).toBe('[BackupPipeline] Restore FAILED: data-restored');
  });

  it('records a drill whose clean-up failed with what it left behind, and fails it although the restore worked', async () => {
    const { driver, made } = memoryDriver();
    const p = await planned({ drill: true });
    const started = await startRestore(p, deps(driver, T0));
    for (const v of made.values()) v.state = 'AVAILABLE';
    const progress = await checkRestore(p, started, deps(driver, at(30)));

    const record = await finishRestore(
      { restore: p, progress, cleanupError: { Error: 'ThrottledError', Cause: 'DeleteVolume throttled' } },
      deps(driver, at(40)),
    );

    expect(record.status).toBe('AVAILABLE');
    expect(record.cleanup).toMatchObject({ status: 'FAILED', leftovers: ['vol-1'] });
    expect(restoreSucceeded(record)).toBe(false);
    const message = restoreMessage(record, 'BackupPipeline');
    expect(message.subject).toContain('Restore drill clean-up FAILED');
    expect(message.body).toContain('Left behind (delete by hand): vol-1');
    expect(message.body).toContain('Recovery time: 30 min');
  });

  it('passes a drill that restored and cleaned up', async () => {
    const { driver, made } = memoryDriver();
    const p = await planned({ drill: true });
    const started = await startRestore(p, deps(driver, T0));
    for (const v of made.values()) v.state = 'AVAILABLE';
    const progress = await checkRestore(p, started, deps(driver, at(30)));
    await cleanUpRestore(p, deps(driver, at(31)));
    await cleanUpRestore(p, deps(driver, at(33)));

    const record = await finishRestore({ restore: p, progress }, deps(driver, at(34)));

    expect(restoreSucceeded(record)).toBe(true);
    expect(restoreMessage(record, 'BackupPipeline').subject).toContain('Restore drill passed');
  });

  it('lists restores newest first', async () => {
    const store = new RestoreStore(db().doc, db().tableName);
    const listed = await store.list(3);
    expect(listed.length).toBe(3);
    expect(listed.map((r) => r.startedAt)).toEqual([...listed.map((r) => r.startedAt)].sort().reverse());
  });
});
