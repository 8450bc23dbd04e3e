/**
 * The in-memory AWS model the local emulator (wire protocols in local/emulator) and the workflow tests'
 * SDK mocks both answer from: one model, two ways in. As moto composes one backend per service, this file
 * composes the service modules of local/model over one core (account, clock, PRNG and ids, faults,
 * limits, throttling gate): one registry line per service in `services`, and one line in OPERATIONS
 * naming the operations that service answers on the model itself (`model.createSnapshot(...)`, the shape
 * every caller uses). Adding a resource type is one service module, one line in each table here, and one
 * emulator module.
 *
 * It models what the workflow must survive (DESIGN §9): snapshots that take size-based time with
 * non-linear progress, failures, the pending-snapshot and per-volume limits, one RDS snapshot per
 * instance, the 100 manual RDS snapshots quota, stopped instances, token-bucket throttling, tags and
 * tag filters, pagination and regions. Inputs and outputs use the AWS SDK's shapes.
 */
import type { Clock } from '../../shared/clock';
import { type Faults, type Limits, ModelCore, type ModelOptions, type Timed } from './core';
import { DynamoDbBackend } from './dynamodb';
import { DynamoRestoreBackend } from './dynamodb-restore';
import { Ec2Backend } from './ec2';
import { AmiBackend } from './ec2-images';
import { RegionsBackend } from './ec2-regions';
import { Ec2RestoreBackend } from './ec2-restore';
import { EventsBackend } from './events';
import { KmsBackend } from './kms';
import { LambdaBackend } from './lambda';
import { RdsBackend } from './rds';
import { AuroraBackend } from './rds-aurora';
import { AuroraRestoreBackend } from './rds-aurora-restore';
import { RdsGroupBackend } from './rds-groups';
import { RdsRestoreBackend } from './rds-restore';
import { RdsSubnetGroupBackend } from './rds-subnet-groups';
import { S3Backend } from './s3';
import { SnsBackend } from './sns';
import { StsBackend } from './sts';

export * from './core';
export type { DynamoBackupModel, DynamoExportModel, DynamoImportModel, DynamoTableModel } from './dynamodb';
export type { ImageModel, InstanceModel, SnapshotModel, VolumeModel } from './ec2';
export type { BusEvent } from './events';
export type { KeyUse, KeyUseAuthorizer, KmsKeyModel } from './kms';
export { type RdsFilter, wildcard } from './query';
export type { DbClusterModel, DbClusterSnapshotModel, DbInstanceModel, DbSnapshotModel, RdsStatus } from './rds';
export { SNS_MAX_MESSAGE_BYTES, type SnsMessage } from './sns';

/** The service backends, built over one core; a backend another needs is passed to it explicitly. */
function buildServices(core: ModelCore) {
  const kms = new KmsBackend(core);
  const regions = new RegionsBackend(core);
  const s3 = new S3Backend(core);
  const ec2 = new Ec2Backend(core, kms, regions);
  const rds = new RdsBackend(core, kms);
  const amis = new AmiBackend(core, ec2, kms, regions);
  const aurora = new AuroraBackend(core, rds);
  const dynamodb = new DynamoDbBackend(core, s3, kms);
  const dbSubnetGroups = new RdsSubnetGroupBackend(core, rds);
  const rdsGroups = new RdsGroupBackend(core, rds);
  const rdsRestore = new RdsRestoreBackend(core, rds, dbSubnetGroups, rdsGroups, regions);
  return {
    regions,
    ec2,
    amis,
    ec2Restore: new Ec2RestoreBackend(core, ec2, amis, regions, kms),
    kms,
    rds,
    aurora,
    dbSubnetGroups,
    rdsGroups,
    rdsRestore,
    auroraRestore: new AuroraRestoreBackend(core, rds, aurora, rdsRestore),
    dynamodb,
    dynamoRestore: new DynamoRestoreBackend(core, dynamodb, s3),
    sns: new SnsBackend(core),
    lambda: new LambdaBackend(core),
    events: new EventsBackend(core),
    s3,
    sts: new StsBackend(core),
  };
}
export type Services = ReturnType<typeof buildServices>;

/** The operations each service answers on the model itself (its API, fleet building and inspection). */
const OPERATIONS = {
  regions: ['describeRegions', 'removeDefaultVpc', 'describeAccountAttributes'],
  ec2: [
    ...['addVolume', 'addInstance', 'addExistingSnapshot', 'describeInstances', 'describeVolumes'],
    ...['describeSnapshots', 'createSnapshot', 'createSnapshots', 'deleteSnapshot', 'createTags', 'copySnapshot'],
    ...['snapshots', 'snapshotCopies'],
  ],
  ec2Restore: ['createVolume', 'deleteVolume', 'runInstances', 'terminateInstances'],
  amis: ['addImage', 'describeImages', 'createImage', 'disableImage', 'deregisterImage', 'copyImage', 'images'],
  kms: ['addKmsKey', 'describeKey', 'kmsKeys', 'disableKmsKey', 'enableKmsKey', 'setKeyUseAuthorizer'],
  rds: [
    ...['addDbInstance', 'addExistingDbSnapshot', 'dbInstanceArn', 'dbSnapshotArn', 'describeDBInstances'],
    ...['describeDBSnapshots', 'createDBSnapshot', 'deleteDBSnapshot', 'copyDBSnapshot', 'dbSnapshots'],
    ...['dbSnapshotCopies', 'describeRdsAccountAttributes'],
  ],
  aurora: [
    ...['addDbCluster', 'addExistingDbClusterSnapshot', 'dbClusterArn', 'dbClusterSnapshotArn', 'describeDBClusters'],
    ...['describeDBClusterSnapshots', 'createDBClusterSnapshot', 'deleteDBClusterSnapshot', 'copyDBClusterSnapshot'],
    ...['dbClusterSnapshots', 'dbClusterSnapshotCopies'],
  ],
  dbSubnetGroups: ['addDbSubnetGroup', 'describeDBSubnetGroups'],
  rdsGroups: ['addDbParameterGroup', 'addDbClusterParameterGroup', 'addOptionGroup'],
  rdsRestore: ['restoreDBInstanceFromDBSnapshot', 'createDBInstance', 'deleteDBInstance'],
  auroraRestore: ['restoreDBClusterFromSnapshot', 'deleteDBCluster'],
  dynamodb: [
    ...['addDynamoTable', 'addExistingDynamoBackup', 'dynamoTableArn', 'listTables', 'describeTable'],
    ...['hasDynamoTable', 'listTagsOfResource', 'createBackup', 'describeBackup', 'listBackups', 'deleteBackup'],
    ...['exportTableToPointInTime', 'describeExport', 'dynamoBackups', 'dynamoExports'],
    'deleteDynamoTableAfterListing',
  ],
  dynamoRestore: [
    ...['restoreTableFromBackup', 'deleteTable', 'tagResource', 'untagResource', 'importTable', 'describeImport'],
    'listImports',
  ],
  sns: ['createTopic', 'publish'],
  lambda: ['addFunction', 'invoke'],
  events: ['putEvents'],
  s3: [
    ...['createBucket', 'putObject', 'getObject', 'objectKeys'],
    ...['putBucketLifecycleConfiguration', 'getBucketLifecycleConfiguration'],
  ],
  sts: ['getCallerIdentity'],
} as const satisfies { [S in keyof Services]: readonly (keyof Services[S])[] };

type Operations<S extends keyof Services> = Pick<
  Services[S],
  Extract<(typeof OPERATIONS)[S][number], keyof Services[S]>
>;

// The facade's operations are the services' own, bound at construction (see the constructor).
// The interface merges with the class below: it types what the constructor binds.
export interface AwsModel
  extends Operations<'regions'>,
    Operations<'ec2'>,
    Operations<'amis'>,
    Operations<'ec2Restore'>,
    Operations<'kms'>,
    Operations<'rds'>,
    Operations<'aurora'>,
    Operations<'dbSubnetGroups'>,
    Operations<'rdsGroups'>,
    Operations<'rdsRestore'>,
    Operations<'auroraRestore'>,
    Operations<'dynamodb'>,
    Operations<'dynamoRestore'>,
    Operations<'sns'>,
    Operations<'lambda'>,
    Operations<'events'>,
    Operations<'s3'>,
    Operations<'sts'> {}

export class AwsModel {
  readonly core: ModelCore;
  readonly services: Services;

  constructor(options: ModelOptions) {
    this.core = new ModelCore(options);
    this.services = buildServices(this.core);
    // Own, writable properties: a test may jest.spyOn(model, 'publish') and the emulator then calls the spy.
    for (const [service, names] of Object.entries(OPERATIONS)) {
      const backend = this.services[service as keyof Services] as unknown as Record<
        string,
        (...a: unknown[]) => unknown
      >;
      for (const name of names) (this as unknown as Record<string, unknown>)[name] = backend[name]?.bind(backend);
    }
  }

  get accountId(): string {
    return this.core.accountId;
  }
  get clock(): Clock {
    return this.core.clock;
  }
  get random(): () => number {
    return this.core.random;
  }
  get faults(): Faults {
    return this.core.faults;
  }
  get limits(): Limits {
    return this.core.limits;
  }
  get enabledRegions(): readonly string[] {
    return this.core.enabledRegions;
  }
  /** Calls by operation name ("ec2:CreateSnapshots"), including throttled ones. */
  get calls(): Map<string, number> {
    return this.core.calls;
  }
  /** Messages published to SNS, in order. */
  get sns() {
    return this.services.sns.messages;
  }
  /** Lambda invocations (a drill's validation), in order. */
  get invocations() {
    return this.services.lambda.invocations;
  }
  get topics(): Set<string> {
    return this.services.sns.topics;
  }
  get s3Buckets() {
    return this.services.s3.buckets;
  }
  get events() {
    return this.services.events.events;
  }

  /** Copies still in progress into a destination region, per service (each has its own limit). */
  copiesInProgress(region: string): { ebs: number; rds: number } {
    return { ebs: this.services.ec2.copiesInProgress(region), rds: this.services.rds.copiesInProgress(region) };
  }

  /** When a backup finished (or failed) in model time: the bench's detection latency needs it. */
  finishedAtMs(region: string, id: string): number | undefined {
    const ec2 = this.services.ec2.region(region);
    const image = ec2.images.get(id);
    // An image is done when its last snapshot is.
    if (image)
      return Math.max(image.creationMs ?? 0, ...image.snapshotIds.map((s) => this.finishedAtMs(region, s) ?? 0));
    const rds = this.services.rds.region(region);
    const dynamo = this.services.dynamodb.region(region);
    const t: Timed | undefined =
      ec2.snapshots.get(id) ??
      rds.dbSnapshots.get(id) ??
      rds.dbClusterSnapshots.get(id) ??
      dynamo.dynamoBackups.get(id) ??
      dynamo.dynamoExports.get(id);
    if (!t) return undefined;
    return t.startMs + t.durationMs * (t.failAt ?? 1);
  }

  durationMs(region: string, id: string): number | undefined {
    const rds = this.services.rds.region(region);
    return (
      this.services.ec2.region(region).snapshots.get(id) ??
      rds.dbSnapshots.get(id) ??
      rds.dbClusterSnapshots.get(id)
    )?.durationMs;
  }
}
