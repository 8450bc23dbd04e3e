/** Domain logic of Apply retention: list per store and region, decide, delete (unless dry run), record. */
import type { TierConfig } from '../../config';
import { PipelineError } from '../../errors';
import type { Log } from '../../lambda/powertools';
import type { BackupStore, OwnedBackup } from '../../services/driver';
import type { RecordedRetentionDecision } from '../../state/records';
import type { StateStore } from '../../state/store';
import { retryThrottled } from '../../throttle-retry';
import { decideRetention, type RetentionDecision, setKeyOf } from './retention-rules';

/** Some expired backups could not be deleted; the rest were handled. ASL: the run ends RetentionFailed. */
export class RetentionIncompleteError extends PipelineError {
  override readonly name = 'RetentionIncompleteError';
}

export interface RetentionRequest {
  runId: string;
  dryRun: boolean;
  /** This stack's managed-by value (ownerTagValue: stack name @ home region). */
  stackName: string;
  /**
   * The bare stack name that backups made before managed-by was qualified carry, and the home region
   * where (only) they are still recognized as this stack's.
   */
  legacy?: { stackName: string; homeRegion: string };
  tiers: Record<string, TierConfig>;
  regions: string[];
  stores: BackupStore[];
  store: Pick<StateStore, 'listBackupMembers' | 'updateRun'>;
  now: Date;
  log: Log;
}

export interface RetentionResult {
  dryRun: boolean;
  deleted: number;
  kept: number;
  failedDeletes: number;
  /** Ids deleted (or, in a dry run, that would be), capped for the payload; the run record has them all. */
  deletedIds: string[];
}

/** Ids and decisions a run record keeps (a DynamoDB item holds 400 KB). */
export const MAX_RECORDED = 500;

/**
 * The regions retention lists: the home region (where the schedules' tag discovery runs, and which a
 * dry run must cover however little it planned), every region one of the run's resources is in (an
 * explicit ARN may name another region), and every region the run copied to (copies are cleaned up
 * in their region by the same rules), plus `alsoRegions`: the configured `regions` (listed even when
 * this run found nothing there: their older backups still expire), the regions the configuration copies to and
 * every region a backup of ours was ever copied to (the state table's durable record), so copies are
 * expired however the run that made them was started. Home first, then the rest in name order.
 */
export function regionsTouched(
  home: string,
  resources: readonly { region: string; copies?: readonly { region: string; status: string }[] }[],
  alsoRegions: readonly string[] = [],
): string[] {
  const others = new Set(
    [
      ...resources.flatMap((r) => [
        r.region,
        ...(r.copies ?? []).filter((c) => c.status !== 'SKIPPED').map((c) => c.region),
      ]),
      ...alsoRegions,
    ].filter((r) => r !== home),
  );
  return [home, ...[...others].sort()];
}

/** The regions the tiers' `copyTo` names. */
export function configuredCopyRegions(tiers: Record<string, TierConfig>): string[] {
  return [...new Set(Object.values(tiers).flatMap((t) => (t.copyTo ?? []).map((c) => c.region)))].sort();
}

export type RunMembers = Map<string, Promise<Awaited<ReturnType<StateStore['listBackupMembers']>>>>;

/**
 * The backup ids each multi-member set of `backupStore` was made with (an EC2 instance's snapshots),
 * from its run's record (the start and copy steps record every id they made): a set that has lost a
 * member (a volume whose snapshot failed and was removed, a copy that stopped part-way) is then seen as
 * partial, not as a restore point. A run read once serves every region; a run whose record has expired
 * (the table's TTL) tells nothing, and its sets are judged by the members listed.
 */
async function expectedRunSets(
  store: Pick<StateStore, 'listBackupMembers'>,
  region: string,
  backupStore: BackupStore,
  runSets: NonNullable<BackupStore['runSets']>,
  owned: readonly OwnedBackup[],
  runMembers: RunMembers,
): Promise<Map<string, string[]>> {
  const expected = new Map<string, string[]>();
  // Only sources whose backup has several members; any other's set is its one backup.
  const runIds = [
    ...new Set(owned.flatMap((b) => (b.runId && b.source && runSets.madeBy(b.source) ? [b.runId] : []))),
  ].sort();
  for (const runId of runIds) {
    let members = runMembers.get(runId);
    if (!members) {
      members = store.listBackupMembers(runId);
      runMembers.set(runId, members);
    }
    for (const record of await members) {
      // Only this kind's ids: an AMI-mode record names its image, whose snapshots the image store judges.
      const originals = (record.backupIds ?? []).filter((id) => runSets.isMember(id));
      const copy = record.copies?.find((c) => c.region === region && c.status !== 'SKIPPED');
      // A copy set is whole when every original has its copy: one that stopped part-way lacks the rest.
      const ids =
        record.region === region
          ? originals
          : copy
            ? [
                ...copy.ids.filter((id) => runSets.isMember(id)),
                ...originals.slice(copy.ids.length).map((id) => `copy of ${id}`),
              ]
            : [];
      if (ids.length > 0) {
        expected.set(setKeyOf({ region, kind: backupStore.kind, source: record.arn, runId, id: '' }), ids);
      }
    }
  }
  return expected;
}

/** What decideStore needs: the request's ownership, rules and time, and the table the run sets come from. */
export type DecideContext = Pick<RetentionRequest, 'stackName' | 'legacy' | 'tiers' | 'store' | 'now'>;

/**
 * Lists one store's backups in one region and decides each with the rules. Every decision depends only
 * on the backups of its region and store (sets, keep-last and the newest-of-source floor are counted
 * there), so the single pass and the fan-out (one unit per region and service) decide alike.
 */
export async function decideStore(
  context: DecideContext,
  region: string,
  backupStore: BackupStore,
  runMembers: RunMembers = new Map(),
): Promise<{ decisions: RetentionDecision[]; recorded: RecordedRetentionDecision[] }> {
  const owners =
    context.legacy?.homeRegion === region ? [context.stackName, context.legacy.stackName] : [context.stackName];
  const owned = await backupStore.listOwned(region, owners);
  const expectedMembers = backupStore.runSets
    ? await expectedRunSets(context.store, region, backupStore, backupStore.runSets, owned, runMembers)
    : undefined;
  const decisions = decideRetention(owned, {
    stackName: owners,
    tiers: context.tiers,
    now: context.now,
    ...(expectedMembers ? { expectedMembers } : {}),
  });
  const recorded = decisions.map(({ backup, action, rule, ruleId }) => ({
    id: backup.id,
    kind: backup.kind,
    region,
    action,
    rule,
    ruleId,
    ...(backup.tier ? { tier: backup.tier } : {}),
    ...(backup.source ? { source: backup.source } : {}),
    ...(backup.runId ? { runId: backup.runId } : {}),
    createdAt: backup.createdAt.toISOString(),
  }));
  return { decisions, recorded };
}

/** The recorded decisions to keep when capped: deletes first, which a dry-run reviewer looks for. */
export function cappedDecisions(decisions: readonly RecordedRetentionDecision[]): RecordedRetentionDecision[] {
  return [...decisions]
    .sort((a, b) => Number(a.action !== 'delete') - Number(b.action !== 'delete'))
    .slice(0, MAX_RECORDED);
}

/**
 * The single pass: every region and store in turn, in one invocation. The state machine fans out
 * instead (./retention-units.ts); this is the reference its decisions are checked against, and it
 * leaves the restore points alone (the fan-out, which deploys, notes each delete on its point).
 */
export async function applyRetention(request: RetentionRequest): Promise<RetentionResult> {
  const { log } = request;
  const deletedIds: string[] = [];
  const failed: string[] = [];
  const decisions: RecordedRetentionDecision[] = [];
  let kept = 0;
  const runMembers: RunMembers = new Map();

  for (const region of request.regions) {
    for (const backupStore of request.stores) {
      const decided = await decideStore(request, region, backupStore, runMembers);
      decisions.push(...decided.recorded);
      for (const decision of decided.decisions) {
        const { backup } = decision;
        if (decision.action === 'keep') {
          kept++;
          continue;
        }
        if (request.dryRun) {
          log.info('dry run: would delete', { backup: backup.id, kind: backup.kind, region, rule: decision.rule });
          deletedIds.push(backup.id);
          continue;
        }
        try {
          await retryThrottled(() => backupStore.delete(backup));
          log.info('deleted expired backup', { backup: backup.id, kind: backup.kind, region, rule: decision.rule });
          deletedIds.push(backup.id);
        } catch (error) {
          log.warn('could not delete expired backup', { backup: backup.id, region, error: error as Error });
          failed.push(`${backup.id} (${(error as Error).name}: ${(error as Error).message})`);
        }
      }
    }
  }

  const result: RetentionResult = {
    dryRun: request.dryRun,
    deleted: deletedIds.length,
    kept,
    failedDeletes: failed.length,
    deletedIds: deletedIds.slice(0, 50),
  };
  await request.store.updateRun(request.runId, {
    retention: { ...result, deletedIds: deletedIds.slice(0, MAX_RECORDED) },
    retentionDecisions: cappedDecisions(decisions),
  });
  if (failed.length > 0) throw incomplete(failed.length, failed);
  return result;
}

/** RetentionIncompleteError naming the count and the first failures. */
export function incomplete(
  count: number,
  failed: readonly string[],
  failedUnits: readonly string[] = [],
): RetentionIncompleteError {
  const parts = [
    ...(failedUnits.length
      ? [
          `retention did not finish in ${failedUnits.join(', ')} (its child execution of the Map Run ApplyRetention failed; nothing there after its last recorded pass was deleted)`,
        ]
      : []),
    ...(count > 0 ? [`${count} expired backup(s) could not be deleted: ${failed.slice(0, 10).join('; ')}`] : []),
  ];
  return new RetentionIncompleteError(parts.join('; '));
}
