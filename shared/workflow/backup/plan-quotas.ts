/**
 * Quotas seen coming (issue #19 item 11). Before any create, Plan compares the backups a run will make
 * with what AWS reports is left of each quota a driver names (`backupQuota`: today the RDS manual DB and
 * cluster snapshot quotas of each region): one for each backup in its source's region, one for each
 * cross-region copy in the destination. The resources past what is left are refused there, FAILED with
 * QuotaExceededError and the numbers, instead of each being refused by AWS after its start (and a
 * backup whose copy is refused is made for nothing). Resources take room in ARN order, so
 * an estate gets the same answer run after run. A quota that cannot be read (access, throttling past
 * the retries) is left to AWS's own refusal at the start: a warning, never a failed Plan.
 *
 * Only quotas AWS reports the use of: the pending-snapshot and concurrent-copy limits pass by themselves
 * (retried until the start window closes) and the configuration states none.
 */
import type { Log } from '../../lambda/powertools';
import type { ResourceRef, ResourceType } from '../../resource';
import type { BackupQuota, ResourceDriver } from '../../services/driver';
import { retryThrottled } from '../../throttle-retry';

export interface QuotaCandidate {
  ref: ResourceRef;
}

/** The reason each refused resource cannot be backed up, by ARN; empty when every one fits. */
export async function quotaRefusals(
  candidates: readonly QuotaCandidate[],
  context: {
    driverFor: (type: ResourceType) => ResourceDriver;
    /** The run's copy regions (validated targets). */
    copyRegions: readonly string[];
    log: Log;
  },
): Promise<Map<string, string>> {
  const reads = new Map<string, Promise<{ used: number; max: number } | undefined>>();
  const read = (quota: BackupQuota, region: string) => {
    const key = `${quota.name}|${region}`;
    let pending = reads.get(key);
    if (!pending) {
      pending = retryThrottled(() => quota.read(region)).catch((error: unknown) => {
        context.log.warn('quota not readable: left to AWS to refuse at the start', {
          quota: quota.name,
          region,
          error: (error as Error).message,
        });
        return undefined;
      });
      reads.set(key, pending);
    }
    return pending;
  };

  const planned = new Map<string, number>();
  const refusals = new Map<string, string>();
  for (const { ref } of [...candidates].sort((a, b) => a.ref.arn.localeCompare(b.ref.arn))) {
    const driver = context.driverFor(ref.type);
    const quota = driver.backupQuota;
    if (!quota) continue;
    const copies = driver.copy ? context.copyRegions.filter((r) => r !== ref.region) : [];
    const regions = [ref.region, ...copies];
    let refusal: string | undefined;
    for (const region of regions) {
      const reported = await read(quota, region);
      if (!reported) continue;
      const before = planned.get(`${quota.name}|${region}`) ?? 0;
      if (reported.used + before + 1 > reported.max) {
        const where = region === ref.region ? '' : ` (its copy's region)`;
        refusal = `quota: ${reported.used} of ${reported.max} ${quota.what} used in ${region}${where} and ${before} more planned by this run before it: AWS would refuse its backup; delete old ${quota.what} there or ask AWS for a higher quota`;
        break;
      }
    }
    if (refusal) {
      refusals.set(ref.arn, refusal);
      continue;
    }
    for (const region of regions) {
      const key = `${quota.name}|${region}`;
      planned.set(key, (planned.get(key) ?? 0) + 1);
    }
  }
  return refusals;
}
