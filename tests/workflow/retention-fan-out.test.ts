/**
 * RetentionFansOut: the real ASL's retention family (Plan retention → one Distributed Map child per
 * region and service, passing until done → Summarize retention) over a mixed estate in two regions
 * (EBS volumes, 3-volume instance sets, an AMI made by hand holding old sets, foreign and untagged
 * snapshots, RDS snapshots), on a run that backs up nothing. The home EC2 unit has more expired
 * backups than one pass deletes, so it loops through the Wait. What survives is checked against the
 * estate's own construction (local/estates/retention.ts), and the deletes and keeps against the single
 * pass (shared/workflow/retention/retention.ts applyRetention) deciding the same estate.
 */

import { checkRetention, seedRetentionEstate } from '../../local/estates/retention';
import { AwsApiError } from '../../local/model';
import { dynamoDocClient } from '../../shared/lambda/clients';
import { logger } from '../../shared/lambda/powertools';
import { backupStores } from '../../shared/services';
import { SERVICES } from '../../shared/services/catalog';
import { RetentionLedger } from '../../shared/state/retention-ledger';
import { ownerTagValue } from '../../shared/tags';
import { applyRetention } from '../../shared/workflow/retention/retention';
import { DELETES_PER_PASS } from '../../shared/workflow/retention/retention-units';
import { runRecord } from '../support/unit-fixtures';
import { ACCOUNT, openSandbox, REGION, type Sandbox, TABLE } from '../support/workflow-sandbox';

jest.setTimeout(120_000);

const DR = 'us-west-2';
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await openSandbox();
});
afterAll(async () => sandbox.close());

/** The two-region estate (every store), with DR known as a region our backups were copied to. */
async function twoRegionEstate(size: { volumes: number; instances: number; databases: number }) {
  const owner = ownerTagValue(sandbox.config.stackName, REGION);
  const oracle = seedRetentionEstate(sandbox.model, {
    owner: () => owner,
    accountId: ACCOUNT,
    nowMs: sandbox.scheduler.now().getTime(),
    sources: [
      { type: 'ebs-volume', regions: [REGION, DR], perRegion: size.volumes },
      { type: 'ec2-instance', regions: [REGION, DR], perRegion: size.instances },
      { type: 'rds-instance', regions: [REGION, DR], perRegion: size.databases },
    ],
  });
  await sandbox.store.recordCopyRegions([DR], sandbox.scheduler.now().toISOString());
  return { owner, oracle };
}

describe('RetentionFansOut', () => {
  it('deletes exactly the expired sets in every region and store, over several passes, as the single pass decides', async () => {
    // Prepare: the estate, and DR known as a region our backups were copied to
    const model = sandbox.model;
    const { owner, oracle } = await twoRegionEstate({ volumes: 3, instances: 2, databases: 2 });
    // The single pass's decisions on the same estate (a dry run deletes nothing).
    await sandbox.store.createRun(runRecord('single-pass'));
    const single = await applyRetention({
      runId: 'single-pass',
      dryRun: true,
      stackName: owner,
      tiers: sandbox.config.tiers,
      regions: [REGION, DR],
      stores: backupStores(),
      store: sandbox.store,
      now: sandbox.scheduler.now(),
      log: logger,
    });
    const singleDeletes = (await sandbox.store.getRun('single-pass'))?.retention?.deletedIds ?? [];

    // Act: a run that matches no resource, so only retention works
    const result = await sandbox.run({ tier: 'daily', targets: { tags: { 'matches-nothing': 'true' } } }, 'fan-out');

    // Assess
    const { wrongDeletions, missedDeletions } = checkRetention(model, oracle, [REGION, DR]);
    expect(wrongDeletions).toEqual([]);
    expect(missedDeletions).toEqual([]);
    const passes = await new RetentionLedger(dynamoDocClient(), TABLE).listPasses('fan-out');
    const fannedDeletes = passes.flatMap((p) => p.deletedIds);
    expect(new Set(fannedDeletes).size).toBe(fannedDeletes.length);
    expect([...fannedDeletes].sort()).toEqual([...singleDeletes].sort());
    const run = await sandbox.store.getRun('fan-out');
    expect(run?.retention).toMatchObject({
      deleted: oracle.mustDelete.size,
      kept: single.kept,
      failedDeletes: 0,
    });
    expect(single.deleted).toBe(oracle.mustDelete.size);
    const homeEc2Passes = passes.filter((p) => p.unit === `${REGION}.ec2`).length;
    expect(homeEc2Passes).toBeGreaterThan(1);
    const homeEc2Deletes = [...oracle.mustDelete].filter((key) => key.startsWith(`${REGION}|snap-`)).length;
    expect(homeEc2Passes).toBe(Math.ceil(homeEc2Deletes / DELETES_PER_PASS));
    // One unit per region and service, each service's store listed there (ElastiCache's, empty here, too).
    expect(new Set(passes.map((p) => p.unit))).toEqual(
      // One unit per region and service (each service's stores are listed in every region retention visits).
      new Set([REGION, DR].flatMap((region) => SERVICES.map(({ service }) => `${region}.${service}`))),
    );
    expect(result.stats.childHistoryEvents.length).toBeGreaterThanOrEqual(6);
    expect(result.status).toBe('SUCCEEDED');
  });

  it('RetentionUnitFails: a unit that keeps failing is named, and every other unit deletes and is counted', async () => {
    // Prepare: the same two-region estate, and the DR region's EC2 refusing every listing (a denied
    // DescribeSnapshots there: no retry helps), so that unit's child execution fails.
    await sandbox.reset();
    const model = sandbox.model;
    const { oracle } = await twoRegionEstate({ volumes: 2, instances: 1, databases: 1 });
    const describe = model.describeSnapshots.bind(model);
    const denied = jest.spyOn(model, 'describeSnapshots').mockImplementation((region, input) => {
      if (region === DR) throw new AwsApiError('UnauthorizedOperation', 'simulated: not authorized in this region');
      return describe(region, input);
    });

    // Act
    const result = await sandbox
      .run({ tier: 'daily', targets: { tags: { 'matches-nothing': 'true' } } }, 'unit-fails')
      .finally(() => denied.mockRestore());

    // Assess: the run fails on retention, naming the unit; the other five units deleted what they must
    // and Summarize retention counted them.
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('RetentionFailed');
    expect(result.cause).toContain(`${DR}.ec2`);
    const { wrongDeletions, missedDeletions } = checkRetention(model, oracle, [REGION, DR]);
    expect(wrongDeletions).toEqual([]);
    const drEc2 = (key: string) => key.startsWith(`${DR}|snap-`);
    expect(missedDeletions.length).toBeGreaterThan(0);
    expect(missedDeletions.filter((key) => !drEc2(key))).toEqual([]);
    const run = await sandbox.store.getRun('unit-fails');
    expect(run?.retention).toMatchObject({
      deleted: [...oracle.mustDelete].filter((key) => !drEc2(key)).length,
      failedUnits: [`${DR}.ec2`],
    });
  });
});
