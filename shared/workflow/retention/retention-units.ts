/**
 * Retention fanned out (issue #11 item 3). The work is split into units, one per region and service:
 * a service's stores in a region share its delete API's token bucket (EC2's DeleteSnapshot and
 * DeregisterImage: 100 burst, 5 a second), and a store whose backups hold another's (AMIs hold EBS
 * snapshots) must be emptied before the other is listed, exactly as the single pass does. Units do
 * not grow with the fleet (regions × services), so the Map's input stays small.
 *
 * A unit runs in passes. The first pass of each store lists it, decides with the same rules as the
 * single pass (./retention.ts decideStore, at the time fixed when the units were listed) and writes the
 * expired backups to a delete queue in the state table; every pass then deletes up to one bucket's burst
 * in parallel and returns, and the state machine waits for the bucket to refill before the next pass,
 * so a unit never burns Lambda time sleeping on throttles and never lists a store twice. A pass that
 * reaches its time budget stops early and says where it stopped. Each pass records what it did under
 * its own number, so a retried pass replaces its record; a backup already gone counts as deleted.
 */
import type { TierConfig } from '../../config';
import { InconsistentStateError, ResourceNotFoundError } from '../../errors';
import type { Log } from '../../lambda/powertools';
import { SERVICES } from '../../services/catalog';
import type { BackupStore, OwnedBackup } from '../../services/driver';
import type { RecordedRetentionDecision } from '../../state/records';
import type { RestorePointStore } from '../../state/restore-points';
import type { RetentionLedger } from '../../state/retention-ledger';
import type { StateStore } from '../../state/store';
import { retryThrottled } from '../../throttle-retry';
import { cappedDecisions, type DecideContext, decideStore, MAX_RECORDED, type RunMembers } from './retention';

/** Deletes per pass: the burst of the delete APIs' token buckets (EC2 DeleteSnapshot, RDS, DynamoDB). */
export const DELETES_PER_PASS = 100;
/** The wait between passes: one burst at the bucket's refill rate (100 tokens at 5 a second). */
export const REFILL_WAIT_SECONDS = 20;
/** Deletes in flight at once within a pass. */
export const DELETE_CONCURRENCY = 10;
/** Queued backups per state-table item (about 300 bytes each, well under the 400 KB item limit). */
export const QUEUE_PAGE_SIZE = 500;

/** One service's stores in one region; `kinds` in the order the single pass visits them. */
export interface RetentionUnit {
  key: string;
  region: string;
  kinds: string[];
}

/** Where a unit stands between passes (the Map iteration carries it; it never grows). */
export interface RetentionCursor {
  /** Index into the unit's kinds. */
  store: number;
  /** Pages in the store's delete queue; absent until the store is listed and decided. */
  pages?: number;
  page: number;
  offset: number;
  /** The number of the next pass (its record's key). */
  pass: number;
}

export const FIRST_CURSOR: RetentionCursor = { store: 0, page: 0, offset: 0, pass: 0 };

export interface PassResult {
  done: boolean;
  /** Seconds the state machine waits before the next pass (the delete bucket refills meanwhile). */
  waitSeconds: number;
  cursor: RetentionCursor;
}

/** The units for `regions`: per region, one per service that has stores, in the single pass's order. */
export function retentionUnits(regions: readonly string[], stores: readonly BackupStore[]): RetentionUnit[] {
  const serviceOf = (kind: string) => SERVICES.find((s) => (s.backupKinds as readonly string[]).includes(kind));
  return regions.flatMap((region) =>
    SERVICES.flatMap((service) => {
      const kinds = stores.filter((s) => serviceOf(s.kind) === service).map((s) => s.kind as string);
      return kinds.length > 0 ? [{ key: `${region}.${service.service}`, region, kinds }] : [];
    }),
  );
}

export interface PassRequest extends DecideContext {
  runId: string;
  dryRun: boolean;
  unit: RetentionUnit;
  cursor: RetentionCursor;
  stores: readonly BackupStore[];
  ledger: RetentionLedger;
  /** The restore points: each backup deleted is noted on its point, which goes with its last backup. */
  points: Pick<RestorePointStore, 'markDeleted'>;
  /** Milliseconds this pass may still start work in (the Lambda's remaining time less a margin). */
  budgetMs: () => number;
  log: Log;
  deletesPerPass?: number;
  store: Pick<StateStore, 'listBackupMembers' | 'updateRun'>;
  tiers: Record<string, TierConfig>;
}

/** One pass of one unit: decide stores not yet decided, delete up to one burst, record, say where it stopped. */
export async function runRetentionPass(request: PassRequest): Promise<PassResult> {
  const { unit, ledger, log, runId } = request;
  const cursor = { ...request.cursor };
  const allowed = request.deletesPerPass ?? DELETES_PER_PASS;
  let used = 0;
  const decisions: RecordedRetentionDecision[] = [];
  const deletedIds: string[] = [];
  const failed: string[] = [];
  let kept = 0;
  let deleted = 0;
  const runMembers: RunMembers = new Map();

  while (cursor.store < unit.kinds.length && used < allowed && request.budgetMs() > 0) {
    const kind = unit.kinds[cursor.store] as string;
    const backupStore = request.stores.find((s) => s.kind === kind);
    if (!backupStore) throw new InconsistentStateError(`retention unit ${unit.key}: no store of kind ${kind}`);

    if (cursor.pages === undefined) {
      const decided = await decideStore(request, unit.region, backupStore, runMembers);
      decisions.push(...decided.recorded);
      const expired = decided.decisions.filter((d) => d.action === 'delete').map((d) => d.backup);
      kept += decided.decisions.length - expired.length;
      if (request.dryRun) {
        for (const b of expired) log.info('dry run: would delete', { backup: b.id, kind, region: unit.region });
        deleted += expired.length;
        deletedIds.push(...expired.map((b) => b.id));
        Object.assign(cursor, { store: cursor.store + 1, page: 0, offset: 0 });
        continue;
      }
      // A retry of a pass that decided this store and then failed part-way through its deletes: its queue
      // stands, so what it deleted is found gone and counted, instead of missing from a fresh listing.
      let pages = await ledger.getQueueHead(runId, unit.key, kind);
      if (pages === undefined) {
        pages = Math.ceil(expired.length / QUEUE_PAGE_SIZE);
        for (let page = 0; page < pages; page++) {
          const slice = expired.slice(page * QUEUE_PAGE_SIZE, (page + 1) * QUEUE_PAGE_SIZE);
          await ledger.putQueuePage(runId, unit.key, kind, page, slice);
        }
        // Last: before it, nothing of the store is deleted, so a retry may decide it again.
        await ledger.putQueueHead(runId, unit.key, kind, pages);
      }
      Object.assign(cursor, pages > 0 ? { pages, page: 0, offset: 0 } : { store: cursor.store + 1 });
      continue;
    }

    const queued = await ledger.getQueuePage(runId, unit.key, kind, cursor.page);
    while (cursor.offset < queued.length && used < allowed && request.budgetMs() > 0) {
      const batch = queued.slice(cursor.offset, cursor.offset + Math.min(DELETE_CONCURRENCY, allowed - used));
      const outcomes = await Promise.all(batch.map((backup) => deleteOne(backupStore, request.points, backup, log)));
      outcomes.forEach((outcome, i) => {
        const id = (batch[i] as OwnedBackup).id;
        if (outcome === 'deleted') {
          deleted++;
          deletedIds.push(id);
        } else failed.push(`${id} (${outcome})`);
      });
      cursor.offset += batch.length;
      used += batch.length;
    }
    if (cursor.offset >= queued.length) {
      const next = cursor.page + 1;
      if (next < cursor.pages) Object.assign(cursor, { page: next, offset: 0 });
      else {
        delete cursor.pages;
        Object.assign(cursor, { store: cursor.store + 1, page: 0, offset: 0 });
      }
    }
  }

  const done = cursor.store >= unit.kinds.length;
  await ledger.putPass(runId, {
    unit: unit.key,
    pass: cursor.pass,
    dryRun: request.dryRun,
    deleted,
    kept,
    failed: failed.slice(0, 50),
    failedDeletes: failed.length,
    deletedIds: deletedIds.slice(0, MAX_RECORDED),
    decisions: cappedDecisions(decisions),
    done,
  });
  // A pass that used the burst waits for the bucket; one that ran out of time goes on at once.
  const waitSeconds = used >= allowed ? REFILL_WAIT_SECONDS : 1;
  log.info('retention pass', { unit: unit.key, pass: cursor.pass, deleted, kept, failed: failed.length, done });
  return { done, waitSeconds, cursor: { ...cursor, pass: cursor.pass + 1 } };
}

/**
 * Deletes one backup; one already gone counts as deleted (an earlier attempt of this pass got it). A
 * deleted backup is then noted on its restore point (removed with its last backup). That note is not
 * caught: were it lost, `backups` would go on offering a deleted backup, and nothing would correct it
 * later (the backup is no longer listed). The pass fails instead and the ASL retries it from the same
 * cursor: the delete finds the backup gone, counts it, and notes it again.
 */
async function deleteOne(
  store: BackupStore,
  points: PassRequest['points'],
  backup: OwnedBackup,
  log: Log,
): Promise<'deleted' | string> {
  try {
    await retryThrottled(() => store.delete(backup));
    log.info('deleted expired backup', { backup: backup.id, kind: backup.kind, region: backup.region });
  } catch (error) {
    if (!(error instanceof ResourceNotFoundError)) {
      log.warn('could not delete expired backup', { backup: backup.id, region: backup.region, error: error as Error });
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
    log.info('expired backup already gone', { backup: backup.id, region: backup.region });
  }
  const point = await retryThrottled(() => points.markDeleted(backup.region, backup.id));
  if (point === 'point-removed') log.info('restore point removed', { backup: backup.id, region: backup.region });
  return 'deleted';
}
