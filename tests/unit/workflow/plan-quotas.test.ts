/**
 * shared/workflow/backup/plan-quotas.ts: Plan compares the backups a run will make with what AWS reports is left of
 * each quota a driver names, before any create, and names the resources past it with the numbers.
 */
import type { ResourceRef, ResourceType } from '../../../shared/resource';
import type { BackupQuota, ResourceDriver } from '../../../shared/services/driver';
import { quotaRefusals } from '../../../shared/workflow/backup/plan-quotas';

const warnings: string[] = [];
const log = { info: () => {}, warn: (m: string) => warnings.push(m), error: () => {}, debug: () => {} };

/** A quota whose use and maximum per region are given; `reads` counts the calls. */
function quota(name: string, byRegion: Record<string, { used: number; max: number } | Error>) {
  const calls: string[] = [];
  const q: BackupQuota = {
    name,
    what: 'manual DB snapshots',
    async read(region) {
      calls.push(region);
      const value = byRegion[region];
      if (value instanceof Error) throw value;
      return value;
    },
  };
  return { q, calls };
}

const driver = (type: ResourceType, backupQuota: BackupQuota | undefined, copies = true) =>
  ({
    type,
    ...(backupQuota ? { backupQuota } : {}),
    ...(copies ? { copy: async () => undefined } : {}),
  }) as unknown as ResourceDriver;

const ref = (type: ResourceType, id: string, region = 'eu-west-1'): { ref: ResourceRef } => ({
  ref: { arn: `arn:aws:rds:${region}:111122223333:db:${id}`, type, region, accountId: '111122223333', id },
});

describe('quotaRefusals', () => {
  it('lets the first resources in ARN order take what is left and names the rest with the numbers', async () => {
    // Prepare: 98 of 100 used
    const { q, calls } = quota('rds:ManualSnapshots', { 'eu-west-1': { used: 98, max: 100 } });
    const drivers = { 'rds-instance': driver('rds-instance', q) };

    // Act
    const out = await quotaRefusals([ref('rds-instance', 'd'), ref('rds-instance', 'a'), ref('rds-instance', 'c')], {
      driverFor: (t) => drivers[t as 'rds-instance'],
      copyRegions: [],
      log,
    });

    // Assess: a and c fit; d is refused; the quota was read once
    expect([...out.keys()]).toEqual([ref('rds-instance', 'd').ref.arn]);
    expect(out.get(ref('rds-instance', 'd').ref.arn)).toMatch(
      /^quota: 98 of 100 manual DB snapshots used in eu-west-1 and 2 more planned by this run before it: AWS would refuse/,
    );
    expect(calls).toEqual(['eu-west-1']);
  });

  it("counts a cross-region copy in its destination's quota and refuses a resource whose copy has no room", async () => {
    // Prepare: room at home, none in the copy region
    const { q } = quota('rds:ManualSnapshots', {
      'eu-west-1': { used: 0, max: 100 },
      'us-west-2': { used: 100, max: 100 },
    });
    const drivers = { 'rds-instance': driver('rds-instance', q) };

    // Act
    const out = await quotaRefusals([ref('rds-instance', 'a')], {
      driverFor: () => drivers['rds-instance'],
      copyRegions: ['us-west-2', 'eu-west-1'],
      log,
    });

    // Assess
    expect(out.get(ref('rds-instance', 'a').ref.arn)).toMatch(
      /^quota: 100 of 100 manual DB snapshots used in us-west-2 \(its copy's region\) and 0 more planned/,
    );
  });

  it('counts each quota on its own: a full instance-snapshot quota refuses no cluster', async () => {
    const instances = quota('rds:ManualSnapshots', { 'eu-west-1': { used: 100, max: 100 } });
    const clusters = quota('rds:ManualClusterSnapshots', { 'eu-west-1': { used: 0, max: 100 } });
    const drivers: Record<string, ResourceDriver> = {
      'rds-instance': driver('rds-instance', instances.q),
      'aurora-cluster': driver('aurora-cluster', clusters.q),
      'ebs-volume': driver('ebs-volume', undefined),
    };
    const out = await quotaRefusals(
      [ref('rds-instance', 'db'), ref('aurora-cluster', 'cl'), ref('ebs-volume', 'vol')],
      { driverFor: (t) => drivers[t] as ResourceDriver, copyRegions: [], log },
    );
    expect([...out.keys()]).toEqual([ref('rds-instance', 'db').ref.arn]);
  });

  it('leaves a quota it cannot read to AWS (a warning, no refusal)', async () => {
    const { q } = quota('rds:ManualSnapshots', { 'eu-west-1': new Error('AccessDenied') });
    const out = await quotaRefusals([ref('rds-instance', 'a')], {
      driverFor: () => driver('rds-instance', q),
      copyRegions: [],
      log,
    });
    expect(out.size).toBe(0);
    expect(warnings).toContain('quota not readable: left to AWS to refuse at the start');
  });
});
