/** Domain logic of Apply retention: list per store and region, decide, delete (unless dry run), record. */
import type { TierConfig } from './config';
import type { BackupStore } from './drivers/driver';
import { PipelineError } from './errors';
import type { Log } from './powertools';
import { decideRetention } from './retention';
import type { RecordedRetentionDecision, StateStore } from './state-store';
import { retryThrottled } from './throttle-retry';

/** Some expired backups could not be deleted; the rest were handled. ASL: the run ends RetentionFailed. */
export class RetentionIncompleteError extends PipelineError {}

export interface RetentionRequest {
  runId: string;
  dryRun: boolean;
  stackName: string;
  tiers: Record<string, TierConfig>;
  regions: string[];
  stores: BackupStore[];
  store: StateStore;
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

const MAX_RECORDED = 500;

/**
 * The regions retention lists: the home region (where the schedules' tag discovery runs, and which a
 * dry run must cover however little it planned), every region one of the run's resources is in (an
 * explicit ARN may name another region), and every region the run copied to (copies are cleaned up
 * in their region by the same rules). Home first, then the rest in name order.
 */
export function regionsTouched(
  home: string,
  resources: readonly { region: string; copies?: readonly { region: string; status: string }[] }[],
): string[] {
  const others = new Set(
    resources
      .flatMap((r) => [r.region, ...(r.copies ?? []).filter((c) => c.status !== 'SKIPPED').map((c) => c.region)])
      .filter((r) => r !== home),
  );
  return [home, ...[...others].sort()];
}

export async function applyRetention(request: RetentionRequest): Promise<RetentionResult> {
  const { log } = request;
  const deletedIds: string[] = [];
  const failed: string[] = [];
  const decisions: RecordedRetentionDecision[] = [];
  let kept = 0;

  for (const region of request.regions) {
    for (const backupStore of request.stores) {
      const owned = await backupStore.listOwned(region, request.stackName);
      for (const decision of decideRetention(owned, {
        stackName: request.stackName,
        tiers: request.tiers,
        now: request.now,
      })) {
        const { backup } = decision;
        decisions.push({
          id: backup.id,
          kind: backup.kind,
          region,
          action: decision.action,
          rule: decision.rule,
          ruleId: decision.ruleId,
          ...(backup.tier ? { tier: backup.tier } : {}),
          ...(backup.source ? { source: backup.source } : {}),
          createdAt: backup.createdAt.toISOString(),
        });
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
    // Deletes first: a capped record drops keeps, never the deletes a dry-run reviewer looks for.
    retentionDecisions: [...decisions]
      .sort((a, b) => Number(a.action !== 'delete') - Number(b.action !== 'delete'))
      .slice(0, MAX_RECORDED),
  });
  if (failed.length > 0) {
    throw new RetentionIncompleteError(
      `${failed.length} expired backup(s) could not be deleted: ${failed.slice(0, 10).join('; ')}`,
    );
  }
  return result;
}
