/**
 * RDS's account quotas in a region as DescribeAccountAttributes reports them (AccountQuotaName, Used,
 * Max): Plan compares the manual snapshots a run will make with what is left of `ManualSnapshots` and
 * `ManualClusterSnapshots` before any create (shared/workflow/backup/plan-quotas.ts), instead of learning it
 * from SnapshotQuotaExceeded one database at a time.
 */
import { DescribeAccountAttributesCommand } from '@aws-sdk/client-rds';
import { aws } from '../../errors';
import type { BackupQuota } from '../driver';
import { rdsClient } from './client';

export function rdsAccountQuota(name: 'ManualSnapshots' | 'ManualClusterSnapshots', what: string): BackupQuota {
  return {
    name: `rds:${name}`,
    what,
    async read(region) {
      const out = await aws(`RDS DescribeAccountAttributes (${region})`, () =>
        rdsClient(region).send(new DescribeAccountAttributesCommand({})),
      );
      const quota = out.AccountQuotas?.find((q) => q.AccountQuotaName === name);
      if (quota?.Used === undefined || quota.Max === undefined) return undefined;
      return { used: Number(quota.Used), max: Number(quota.Max) };
    },
  };
}
