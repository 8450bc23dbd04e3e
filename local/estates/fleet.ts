/**
 * Fleets for the local sandbox: the demo estate `npm start` backs up, and generated fleets of N
 * resources with a snapshot-duration distribution for the bench. Deterministic for a given seed.
 */
import { MODE_TAG } from '../../shared/services/modes';
import type { AwsModel, Tag } from '../model/index';

export const BACKUP_TAG: Tag = { Key: 'backup', Value: 'true' };

/** The demo's disaster-recovery region and the KMS key copies there are encrypted with. */
export const DR_REGION = 'us-west-2';
export const DR_KEY_ALIAS = 'alias/backup-dr';

/**
 * The DR key a `copyTo` entry names (`{ "region": "us-west-2", "kmsKeyId": "alias/backup-dr" }`): RDS
 * and Aurora refuse a cross-region copy of an encrypted snapshot without a key in the destination.
 * Idempotent, and it draws nothing from the model's PRNG, so the fleet's timings stay as they were.
 */
export function seedDrKey(model: AwsModel, region = DR_REGION, alias = DR_KEY_ALIAS): { KeyId: string; Arn: string } {
  const existing = model.kmsKeys(region).find((k) => k.aliases.includes(alias));
  return existing
    ? { KeyId: existing.KeyId, Arn: existing.Arn }
    : model.addKmsKey(region, { alias, description: 'backup-pipeline DR copies' });
}

export interface FleetSummary {
  /** The first region the fleet is in (the sandbox's home region unless told otherwise). */
  region: string;
  /** Every region the fleet is spread over, in the order given. */
  regions: string[];
  instances: string[];
  volumes: string[];
  dbInstances: string[];
  dbClusters: string[];
  dynamoTables: string[];
  untagged: string[];
}

/**
 * The demo estate: 5 tagged instances with 1-3 volumes (one backed up as an AMI, tagged
 * `backup-pipeline:mode=ami`), 2 tagged standalone volumes, 3 tagged RDS
 * instances (one large), a tagged Aurora cluster and one selected through its tagged member instance,
 * two tagged DynamoDB tables (one backed up, one exported to S3), plus resources that must be left
 * alone: an untagged instance, volume, database and table, and an instance tagged `backup=false`; and
 * the DR key `alias/backup-dr` in us-west-2 (seedDrKey). (The drills' isolated DB subnet group is the
 * sandbox's, from cdk.json: local/sandbox.ts.)
 */
export function seedDemoFleet(model: AwsModel, region = 'eu-west-1'): FleetSummary {
  const name = (value: string): Tag => ({ Key: 'Name', Value: value });
  const tagged = (value: string): Tag[] => [name(value), BACKUP_TAG, { Key: 'team', Value: 'platform' }];
  const instances = [
    model.addInstance(region, { Tags: tagged('web-1'), volumes: [{ Size: 30 }] }),
    model.addInstance(region, { Tags: tagged('web-2'), volumes: [{ Size: 30 }, { Size: 100 }] }),
    model.addInstance(region, {
      Tags: tagged('app-1'),
      volumes: [{ Size: 50 }, { Size: 200 }, { Size: 500, VolumeType: 'st1' }],
    }),
    model.addInstance(region, { Tags: tagged('batch-1'), State: 'stopped', volumes: [{ Size: 80 }, { Size: 250 }] }),
    model.addInstance(region, {
      Tags: [...tagged('build-1'), { Key: MODE_TAG, Value: 'ami' }],
      volumes: [{ Size: 40 }, { Size: 100 }],
    }),
  ];
  const volumes = [
    model.addVolume(region, { Size: 200, Tags: tagged('shared-data') }),
    model.addVolume(region, { Size: 1000, Tags: tagged('archive'), VolumeType: 'sc1' }),
  ];
  const dbs = [
    model.addDbInstance(region, { DBInstanceIdentifier: 'orders', AllocatedStorage: 200, TagList: tagged('orders') }),
    model.addDbInstance(region, {
      DBInstanceIdentifier: 'customers',
      AllocatedStorage: 100,
      Engine: 'mysql',
      TagList: tagged('customers'),
    }),
    model.addDbInstance(region, {
      DBInstanceIdentifier: 'analytics',
      AllocatedStorage: 2000,
      TagList: tagged('analytics'),
    }),
  ];
  const clusters = [
    model.addDbCluster(region, { DBClusterIdentifier: 'ledger', volumeGiB: 300, TagList: tagged('ledger') }),
    // Tagged on the member operators see in the console, not on the cluster: backed up once, per cluster.
    model.addDbCluster(region, { DBClusterIdentifier: 'payments', volumeGiB: 150, memberTags: tagged('payments-1') }),
  ];
  const tables = [
    model.addDynamoTable(region, { TableName: 'sessions', sizeBytes: 2 * 1024 ** 3, Tags: tagged('sessions') }),
    // Exported to S3 (point-in-time recovery on), chosen with the mode tag.
    model.addDynamoTable(region, {
      TableName: 'clickstream',
      sizeBytes: 40 * 1024 ** 3,
      pitr: true,
      Tags: [...tagged('clickstream'), { Key: 'backup-pipeline:mode', Value: 'export' }],
    }),
  ];
  const untagged = [
    model.addInstance(region, { Tags: [name('scratch')], volumes: [{ Size: 20 }] }).InstanceId,
    model.addVolume(region, { Size: 10, Tags: [name('tmp')] }).VolumeId,
    model.addDbInstance(region, { DBInstanceIdentifier: 'sandbox', TagList: [name('sandbox')] }).DBInstanceIdentifier,
    model.addDynamoTable(region, { TableName: 'scratch-cache', Tags: [name('scratch-cache')] }).TableName,
    model.addInstance(region, { Tags: [name('opted-out'), { Key: 'backup', Value: 'false' }], volumes: [{ Size: 20 }] })
      .InstanceId,
  ];
  // Ready for copies; whether the demo copies anything is the run input's choice.
  seedDrKey(model);
  return {
    region,
    regions: [region],
    instances: instances.map((i) => i.InstanceId),
    volumes: volumes.map((v) => v.VolumeId),
    dbInstances: dbs.map((d) => d.DBInstanceIdentifier),
    dbClusters: clusters.map((c) => c.DBClusterIdentifier),
    dynamoTables: tables.map((t) => t.TableName),
    untagged,
  };
}

/**
 * A small tagged estate in another configured region of the demo (`npm start -- --regions ...`): one
 * instance with a volume, one standalone volume, one RDS instance. Seeded only when regions are given,
 * after the home fleet, so the default demo draws the PRNG exactly as before.
 */
export function seedRegionalDemo(model: AwsModel, summary: FleetSummary, region: string): void {
  const tagged = (value: string): Tag[] => [{ Key: 'Name', Value: value }, BACKUP_TAG];
  summary.instances.push(
    model.addInstance(region, { Tags: tagged(`web-${region}`), volumes: [{ Size: 30 }] }).InstanceId,
  );
  summary.volumes.push(model.addVolume(region, { Size: 100, Tags: tagged(`data-${region}`) }).VolumeId);
  const id = `orders-${region}`;
  model.addDbInstance(region, { DBInstanceIdentifier: id, AllocatedStorage: 100, TagList: tagged(id) });
  summary.dbInstances.push(id);
  summary.regions.push(region);
}

export interface GeneratedFleetSpec {
  /** Total resources: 70% EC2 instances, 15% standalone volumes, 15% RDS instances. */
  size: number;
  /**
   * Regions to spread the fleet over (default: the sandbox's region): each block of 20 resources (the
   * whole type mix) goes to the next region in turn, so every region gets the same mix. Choosing the
   * region draws nothing from the PRNG: a one-region fleet replays as before.
   */
  regions?: readonly string[];
  /** Snapshot durations are drawn log-uniformly between these (seconds). */
  minSeconds: number;
  maxSeconds: number;
  seed?: number;
}

export function seedGeneratedFleet(model: AwsModel, spec: GeneratedFleetSpec, region = 'eu-west-1'): FleetSummary {
  const regions = spec.regions && spec.regions.length > 0 ? [...spec.regions] : [region];
  const summary: FleetSummary = {
    region: regions[0] ?? region,
    regions,
    instances: [],
    volumes: [],
    dbInstances: [],
    dbClusters: [],
    dynamoTables: [],
    untagged: [],
  };
  const lo = Math.log(spec.minSeconds);
  const hi = Math.log(spec.maxSeconds);
  const duration = () => Math.round(Math.exp(lo + model.random() * (hi - lo)));
  for (let n = 0; n < spec.size; n++) {
    const kind = n % 20;
    const region = regions[Math.floor(n / 20) % regions.length] as string;
    const tags: Tag[] = [{ Key: 'Name', Value: `gen-${n}` }, BACKUP_TAG];
    if (kind < 14) {
      const count = 1 + (n % 3);
      const seconds = duration();
      const instance = model.addInstance(region, {
        Tags: tags,
        volumes: Array.from({ length: count }, (_, i) => ({
          Size: 20 + i * 50,
          snapshotSeconds: i === 0 ? seconds : Math.round(seconds * model.random()),
        })),
      });
      summary.instances.push(instance.InstanceId);
    } else if (kind < 17) {
      summary.volumes.push(model.addVolume(region, { Size: 100, Tags: tags, snapshotSeconds: duration() }).VolumeId);
    } else {
      const id = `gen-db-${n}`;
      model.addDbInstance(region, { DBInstanceIdentifier: id, TagList: tags, snapshotSeconds: duration() });
      summary.dbInstances.push(id);
    }
  }
  return summary;
}
