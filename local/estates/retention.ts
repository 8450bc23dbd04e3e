/**
 * A large, mixed backup estate for measuring retention (the bench's 100,000 owned backups, the
 * RetentionFansOut scenario), seeded straight into the model in milliseconds, and the independent
 * oracle of what must survive. Every source gets one daily backup (set) a day for `days` days, each
 * expiring 7 days after it was made, so by construction: sets younger than 7 days stay and older ones
 * go (keep-last 0, the default; the newest of a source is young), except what no rule may touch:
 * snapshots an AMI uses, foreign-owned and untagged snapshots. The oracle is that construction, not
 * the retention rules.
 */
import { rdsSnapshotIdentifier } from '../../shared/services/rds/rds-snapshots';
import { TAG } from '../../shared/tags';
import type { AwsModel } from '../model/index';

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 7;

export interface RetentionEstateSpec {
  /** managed-by value of this stack in a region (ownerTagValue). */
  owner: (region: string) => string;
  accountId: string;
  nowMs: number;
  /** Regions with EC2 sources (volumes, 3-volume instances) and with RDS databases. */
  ec2Regions: readonly string[];
  rdsRegions: readonly string[];
  /** Sources per region. */
  volumes: number;
  instances: number;
  databases: number;
  /** Daily backups per source (default 30). */
  days?: number;
}

export interface RetentionOracle {
  /** `region|id` of every backup no correct retention may delete (young, AMI-held, foreign, untagged). */
  mustKeep: Set<string>;
  /** `region|id` of every owned backup whose set has expired and nothing holds. */
  mustDelete: Set<string>;
  /** Backups carrying this stack's tags. */
  owned: number;
}

/** Seeds the estate into `model` and returns the oracle. */
export function seedRetentionEstate(model: AwsModel, spec: RetentionEstateSpec): RetentionOracle {
  const days = spec.days ?? 30;
  const oracle: RetentionOracle = { mustKeep: new Set(), mustDelete: new Set(), owned: 0 };
  const tags = (region: string, source: string, runId: string, createdMs: number, owner = spec.owner(region)) => [
    { Key: TAG.managedBy, Value: owner },
    { Key: TAG.runId, Value: runId },
    { Key: TAG.tier, Value: 'daily' },
    { Key: TAG.source, Value: source },
    { Key: TAG.expiresAt, Value: new Date(createdMs + RETENTION_DAYS * DAY_MS).toISOString() },
  ];
  // Half a day past midnight, so no set expires exactly at `now`.
  const createdOn = (day: number) => spec.nowMs - (day + 0.5) * DAY_MS;
  const fate = (region: string, id: string, day: number, held = false) => {
    oracle.owned++;
    const young = day + 0.5 < RETENTION_DAYS;
    (young || held ? oracle.mustKeep : oracle.mustDelete).add(`${region}|${id}`);
  };

  for (const region of spec.ec2Regions) {
    const ebsSnapshot = (volumeId: string, source: string, runId: string, createdMs: number, withTags = true) =>
      model.addExistingSnapshot(region, {
        VolumeId: volumeId,
        startMs: createdMs,
        Description: `backup-pipeline daily ${runId} ${volumeId}`,
        Tags: withTags ? tags(region, source, runId, createdMs) : [],
      }).SnapshotId;
    for (let v = 0; v < spec.volumes; v++) {
      const volumeId = `vol-${region}-${v}`;
      const source = `arn:aws:ec2:${region}:${spec.accountId}:volume/${volumeId}`;
      for (let day = 0; day < days; day++) {
        const runId = `run-d${day}`;
        fate(region, ebsSnapshot(volumeId, source, runId, createdOn(day)), day);
      }
      // Never ours: another stack's expired snapshot of the same volume, and an untagged one.
      const foreign = model.addExistingSnapshot(region, {
        VolumeId: volumeId,
        startMs: createdOn(days),
        Description: `backup-pipeline daily run-x ${volumeId}`,
        Tags: tags(region, source, 'run-x', createdOn(days), 'OtherStack@elsewhere'),
      }).SnapshotId;
      oracle.mustKeep.add(`${region}|${foreign}`);
      oracle.mustKeep.add(`${region}|${ebsSnapshot(volumeId, source, 'run-y', createdOn(days), false)}`);
    }
    for (let i = 0; i < spec.instances; i++) {
      const source = `arn:aws:ec2:${region}:${spec.accountId}:instance/i-${region}-${i}`;
      for (let day = 0; day < days; day++) {
        const runId = `run-d${day}`;
        const ids = [0, 1, 2].map((n) => ebsSnapshot(`vol-${region}-i${i}-${n}`, source, runId, createdOn(day)));
        // The oldest set is registered in an AMI someone made by hand: held, so kept however old.
        const held = day === days - 1;
        if (held) {
          model.addImage(region, {
            Name: `hand-made-${region}-${i}`,
            snapshotIds: ids,
            Tags: [],
            creationMs: createdOn(day),
          });
        }
        for (const id of ids) fate(region, id, day, held);
      }
    }
  }

  for (const region of spec.rdsRegions) {
    for (let d = 0; d < spec.databases; d++) {
      const dbId = `db-${region}-${d}`;
      const source = `arn:aws:rds:${region}:${spec.accountId}:db:${dbId}`;
      for (let day = 0; day < days; day++) {
        const runId = `run-d${day}`;
        const id = rdsSnapshotIdentifier(runId, dbId);
        model.addExistingDbSnapshot(region, {
          DBSnapshotIdentifier: id,
          DBInstanceIdentifier: dbId,
          startMs: createdOn(day),
          TagList: tags(region, source, runId, createdOn(day)),
        });
        fate(region, id, day);
      }
    }
  }
  return oracle;
}

/** The oracle checked against what the model holds after retention. */
export function checkRetention(
  model: AwsModel,
  oracle: RetentionOracle,
  regions: readonly string[],
): { wrongDeletions: string[]; missedDeletions: string[] } {
  const present = new Set(
    regions.flatMap((region) => [
      ...model.snapshots(region).map((s) => `${region}|${s.SnapshotId}`),
      ...model.dbSnapshots(region).map((s) => `${region}|${s.DBSnapshotIdentifier}`),
    ]),
  );
  return {
    wrongDeletions: [...oracle.mustKeep].filter((key) => !present.has(key)),
    missedDeletions: [...oracle.mustDelete].filter((key) => present.has(key)),
  };
}
