/**
 * The DocumentDB and Neptune cluster drivers (shared/services/rds/aurora-cluster.ts clusterDriver) and
 * their restore drivers (aurora-cluster-restore.ts clusterRestoreDriver) against the AWS model, one
 * table over both: discovery keeps each engine's clusters (DescribeDBClusters answers all three), an
 * explicit ARN and a tagged member are typed by the engine, a snapshot is started, polled and copied
 * under the DR key, AWS's refusals arrive as the named errors, Neptune's five copies in progress per
 * region hold, and a restore makes a cluster of the engine with a writer of an engine's class (the
 * model refusing a class or PubliclyAccessible the engine does not take), removed afterwards.
 */
import { AwsModel } from '../../../../local/model';
import {
  InvalidResourceStateError,
  LimitExceededError,
  QuotaExceededError,
  ResourceNotFoundError,
  ThrottledError,
} from '../../../../shared/errors';
import { toRef } from '../../../../shared/resource';
import { DRIVERS, restoreDriverFor } from '../../../../shared/services';
import { RESTORE_TAG } from '../../../../shared/services/restore';
import { wireModelToSdk } from '../../../support/model-sdk-mocks';
import { ACCOUNT, caught, ownershipValues, REGION } from '../../../support/unit-fixtures';

const DR = 'us-west-2';
let now = new Date('2026-11-02T02:00:00Z');
const advance = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};
let model: AwsModel;
let wiring: { restore(): void };
beforeEach(() => {
  model = new AwsModel({ accountId: ACCOUNT, clock: { now: () => now }, tokenBuckets: false });
  wiring = wireModelToSdk(model);
});
afterEach(() => wiring.restore());

const TAGS = [{ Key: 'backup', Value: 'true' }];

describe.each([
  { type: 'docdb-cluster', engine: 'docdb', copyLimit: 20 },
  { type: 'neptune-cluster', engine: 'neptune', copyLimit: 5 },
] as const)('$type driver against the model', ({ type, engine, copyLimit }) => {
  const driver = () => DRIVERS[type];
  const seed = (
    id = 'main',
    extra: Parameters<AwsModel['addDbCluster']>[1] extends infer C ? Partial<C> : never = {},
  ) => model.addDbCluster(REGION, { DBClusterIdentifier: id, Engine: engine, members: 1, TagList: TAGS, ...extra });
  const refOf = (id: string) => ({ ...toRef(model.dbClusterArn(REGION, id)), type });

  it('discovers only its engine’s clusters, and Aurora none of them', async () => {
    // Prepare
    seed('main');
    model.addDbCluster(REGION, { DBClusterIdentifier: 'ledger', members: 1, TagList: TAGS });

    // Act
    const mine = await driver().discover(REGION, { backup: 'true' }, ACCOUNT);
    const aurora = await DRIVERS['aurora-cluster'].discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    expect(mine.map((d) => [d.ref.id, d.ref.type])).toEqual([['main', type]]);
    expect(aurora.map((d) => [d.ref.id, d.ref.type])).toEqual([['ledger', 'aurora-cluster']]);
    expect(mine[0]?.restoreSettings).toMatchObject({ engine, writerInstanceClass: 'db.r6g.large' });
  });

  it('lists only its engine’s clusters (the engine Filter): one page however many Aurora clusters there are', async () => {
    // Prepare: 150 Aurora clusters (two pages of 100) and one of the engine
    for (let n = 0; n < 150; n++) model.addDbCluster(REGION, { DBClusterIdentifier: `a${n}`, members: 0 });
    seed('main');

    // Act
    const before = model.calls.get('rds:DescribeDBClusters') ?? 0;
    const mine = await driver().discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    expect(mine.map((d) => d.ref.id)).toEqual(['main']);
    expect((model.calls.get('rds:DescribeDBClusters') ?? 0) - before).toBe(1);
  });

  it('types an explicit ARN (parsed as Aurora’s) and a tagged member by the engine', async () => {
    // Prepare: the cluster untagged, its member tagged
    seed('main', { TagList: [], memberTags: TAGS });
    const arn = model.dbClusterArn(REGION, 'main');

    // Act
    const [resolved] = await (DRIVERS['aurora-cluster'].resolveAll?.([toRef(arn)]) ?? []);
    const members = await DRIVERS['rds-instance'].discover(REGION, { backup: 'true' }, ACCOUNT);

    // Assess
    expect(toRef(arn).type).toBe('aurora-cluster');
    expect(resolved && 'found' in resolved ? resolved.found.ref.type : resolved).toBe(type);
    expect(members.map((m) => m.backedUpWith?.type)).toEqual([type]);
  });

  it('starts, polls and copies a snapshot to the DR region under the DR key', async () => {
    // Prepare
    seed('main', { snapshotSeconds: 600 });
    const key = model.addKmsKey(DR, { alias: 'backup-dr' });
    const resource = refOf('main');
    const tags = ownershipValues(resource);

    // Act
    const started = await driver().start({ resource, runId: 'run-1', mayExist: false, tags });
    const polling = await driver().check(resource, started.backupIds);
    advance(3600);
    const done = await driver().check(resource, started.backupIds);
    const copy = await driver().copy?.(resource, {
      resource,
      backupIds: started.backupIds,
      region: DR,
      kmsKeyId: 'alias/backup-dr',
      tags,
      runId: 'run-1',
    });
    advance(6 * 3600);
    const copied = await driver().checkCopy?.(resource, DR, copy && 'copyIds' in copy ? copy.copyIds : []);

    // Assess
    expect(started).toMatchObject({ reused: false, backupIds: [expect.stringMatching(/^bp-run-1-[0-9a-f]{8}-main$/)] });
    expect(polling.status).toBe('CREATING');
    expect(done.status).toBe('COMPLETED');
    expect(copied?.status).toBe('COMPLETED');
    expect(model.dbClusterSnapshots(DR)).toEqual([
      expect.objectContaining({ Engine: engine, KmsKeyId: key.Arn, Status: 'available' }),
    ]);
    // A retried start finds the snapshot it made
    expect(await driver().start({ resource, runId: 'run-1', mayExist: true, tags })).toMatchObject({ reused: true });
  });

  it('maps AWS’s refusals to the named errors', async () => {
    // Prepare
    seed('main');
    seed('busy', { status: 'modifying', statusUntilMs: now.getTime() + 3_600_000 });
    seed('stopped', { status: 'stopped' });
    const start = (id: string, runId = 'run-1') =>
      driver().start({ resource: refOf(id), runId, mayExist: false, tags: ownershipValues(refOf(id)) });

    // Act + Assess
    expect(await caught(start('gone'))).toBeInstanceOf(ResourceNotFoundError);
    expect(await caught(start('busy'))).toBeInstanceOf(LimitExceededError);
    expect(await caught(start('stopped'))).toBeInstanceOf(InvalidResourceStateError);
    model.faults.throttleRate = 1;
    expect(await caught(start('main'))).toBeInstanceOf(ThrottledError);
    model.faults.throttleRate = 0;
    model.addExistingDbClusterSnapshot(REGION, {
      DBClusterSnapshotIdentifier: 'by-hand',
      DBClusterIdentifier: 'main',
      startMs: 0,
    });
    const full = new AwsModel({
      accountId: ACCOUNT,
      clock: { now: () => now },
      tokenBuckets: false,
      limits: { manualDbClusterSnapshotsPerRegion: 0 },
    });
    wiring.restore();
    wiring = wireModelToSdk(full);
    full.addDbCluster(REGION, { DBClusterIdentifier: 'main', Engine: engine, members: 1, TagList: TAGS });
    expect(await caught(start('main'))).toBeInstanceOf(QuotaExceededError);
  });

  it(`holds cross-region copies in progress into one region to ${copyLimit}: the next is retried (LimitExceededError)`, async () => {
    // Prepare: copyLimit + 1 clusters with completed snapshots
    model.addKmsKey(DR, { alias: 'backup-dr' });
    const ids = Array.from({ length: copyLimit + 1 }, (_, n) => `c${n}`);
    const started: {
      resource: ReturnType<typeof refOf>;
      tags: ReturnType<typeof ownershipValues>;
      out: { backupIds: string[] };
    }[] = [];
    for (const id of ids) {
      seed(id, { snapshotSeconds: 60 });
      const resource = refOf(id);
      const tags = ownershipValues(resource);
      started.push({ resource, tags, out: await driver().start({ resource, runId: 'run-1', mayExist: false, tags }) });
    }
    advance(3600);
    const copy = async (s: (typeof started)[number]) =>
      driver().copy?.(s.resource, {
        resource: s.resource,
        backupIds: s.out.backupIds,
        region: DR,
        kmsKeyId: 'alias/backup-dr',
        tags: s.tags,
        runId: 'run-1',
      });

    // Act
    for (const s of started.slice(0, copyLimit)) await copy(s);
    const refused = await caught(copy(started[copyLimit] as (typeof started)[number]));

    // Assess
    expect(refused).toBeInstanceOf(LimitExceededError);
    expect(model.dbClusterSnapshots(DR)).toHaveLength(copyLimit);
  });

  it('restores a cluster of its engine with a writer of its class, and removes both', async () => {
    // Prepare: a completed snapshot and the settings Plan recorded
    seed('main', { snapshotSeconds: 60 });
    const resource = refOf('main');
    const [found] = await driver().discover(REGION, { backup: 'true' }, ACCOUNT);
    const { backupIds } = await driver().start({
      resource,
      runId: 'run-1',
      mayExist: false,
      tags: ownershipValues(resource),
    });
    advance(600);
    const restore = restoreDriverFor(type);
    const tags = {
      restoredBy: 'BackupPipeline@eu-west-1',
      restoreId: 'r-1',
      sourceArn: resource.arn,
      backupId: backupIds[0] ?? '',
      drill: true,
    };

    // Act
    const started = await restore?.start({
      restoreId: 'r-1',
      region: REGION,
      sourceRegion: REGION,
      backupIds,
      name: 'main-restored',
      settings: found?.restoreSettings ?? {},
      tags,
    });
    const states: string[] = [];
    for (let round = 0; round < 10; round++) {
      const out = await restore?.check(REGION, started?.restoredIds ?? []);
      states.push(out?.status ?? '');
      if (out?.status !== 'RESTORING') break;
      advance(900);
    }
    const [clusterId = '', writerId = ''] = started?.restoredIds ?? [];
    const writer = model.describeDBInstances(REGION, { DBInstanceIdentifier: writerId }).DBInstances?.[0];
    const context = { tags, settings: {}, backupIds, startedAt: now.toISOString() };
    const removal = [];
    for (let round = 0; round < 6; round++) {
      removal.push(await restore?.remove(REGION, started?.restoredIds ?? [], tags.restoredBy, context));
      advance(900);
    }

    // Assess
    expect(restore?.type).toBe(type);
    expect(states.at(-1)).toBe('AVAILABLE');
    expect(writer).toMatchObject({ Engine: engine, DBInstanceClass: 'db.r6g.large', DBClusterIdentifier: clusterId });
    expect(writer?.TagList).toContainEqual({ Key: RESTORE_TAG.restoreId, Value: 'r-1' });
    expect(removal.at(-1)).toBe('gone');
    expect(model.describeDBClusters(REGION, {}).DBClusters?.map((c) => c.DBClusterIdentifier)).toEqual(['main']);
  });

  it('refuses a member of a class the engine does not offer, or PubliclyAccessible, as RDS does', () => {
    // Prepare
    seed('main');
    const create = (extra: Record<string, unknown>) => () =>
      model.createDBInstance(REGION, {
        DBInstanceIdentifier: `member-${Object.keys(extra).join('-') || 'plain'}`,
        DBClusterIdentifier: 'main',
        Engine: engine,
        DBInstanceClass: 'db.r6g.large',
        ...extra,
      });

    // Act + Assess
    expect(create({ DBInstanceClass: 'db.m5.large' })).toThrow(/InvalidParameterCombination|does not support/);
    expect(create({ PubliclyAccessible: false })).toThrow(/PubliclyAccessible/);
    expect(create({})).not.toThrow();
  });
});
