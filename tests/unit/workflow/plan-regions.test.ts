/**
 * Plan in several configured regions (issue #11 item 5), against the AWS model through the real drivers
 * and SDK clients (tests/support/model-sdk-mocks.ts) and the real state store on dynalite: tag discovery
 * runs in every configured region, a region that cannot be listed fails Plan by name before anything is
 * written, and the copy targets' key check is made per source region.
 */
import { AwsApiError, AwsModel } from '../../../local/model';
import { InvalidInputError, ThrottledError } from '../../../shared/errors';
import { DRIVERS, driverFor } from '../../../shared/services';
import { checkCopyTargets } from '../../../shared/workflow/copy-targets';
import { type InputContext, validateExecutionInput } from '../../../shared/workflow/input';
import { planRun, RegionDiscoveryError } from '../../../shared/workflow/plan';
import { wireModelToSdk } from '../../support/model-sdk-mocks';
import { useUnitDynalite } from '../../support/unit-dynalite';
import { ACCOUNT, caught, REGION, TIERS } from '../../support/unit-fixtures';

const db = useUnitDynalite();
const NOW = new Date('2026-11-02T02:00:00.000Z');
const REGIONS = [REGION, 'us-east-1', 'ap-southeast-2'];
const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
const TAGGED = [{ Key: 'backup', Value: 'true' }];
const context: InputContext = { tiers: TIERS, defaultTier: 'daily', defaultTargetTags: { backup: 'true' } };
let model: AwsModel;
let wiring: { restore(): void };

beforeEach(() => {
  model = new AwsModel({ accountId: ACCOUNT, clock: { now: () => NOW }, tokenBuckets: false });
  wiring = wireModelToSdk(model);
});
afterEach(() => {
  wiring.restore();
  jest.restoreAllMocks();
});

const plan = (raw: unknown, runId: string, regions: readonly string[] = REGIONS) =>
  planRun({
    modes: { defaults: {}, resources: {} },
    checkCopyTargets,
    runId,
    executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:backup-pipeline:${runId}`,
    startedAt: NOW.toISOString(),
    rawInput: raw,
    input: validateExecutionInput(raw, context),
    region: REGION,
    regions,
    accountId: ACCOUNT,
    drivers: Object.values(DRIVERS),
    driverFor,
    store: db().store(),
    now: NOW,
    log: silent,
  });

/** A tagged volume in each region, and one untagged in the last. */
function volumesInEachRegion(): Record<string, string> {
  model.addVolume('ap-southeast-2', { Size: 8, Tags: [{ Key: 'Name', Value: 'untagged' }] });
  return Object.fromEntries(REGIONS.map((r) => [r, model.addVolume(r, { Size: 8, Tags: TAGGED }).VolumeId]));
}

describe('Plan in several regions', () => {
  it('discovers tagged resources in every configured region and records each with its region', async () => {
    // Prepare
    const volumes = volumesInEachRegion();
    model.addDbInstance('us-east-1', { DBInstanceIdentifier: 'orders', TagList: TAGGED });

    // Act
    const result = await plan({}, 'run-three-regions');

    // Assess
    expect(result.resources.map((r) => `${r.region} ${r.id}`).sort()).toEqual(
      [...REGIONS.map((r) => `${r} ${volumes[r]}`), 'us-east-1 orders'].sort(),
    );
    const records = await db().store().listResources('run-three-regions');
    expect(records.map((r) => `${r.region} ${r.resourceId} ${r.status}`).sort()).toEqual(
      [...REGIONS.map((r) => `${r} ${volumes[r]} PENDING`), 'us-east-1 orders PENDING'].sort(),
    );
  });

  it('discovers only in the configured regions: a tagged resource elsewhere is not selected', async () => {
    // Prepare
    const volumes = volumesInEachRegion();

    // Act
    const result = await plan({}, 'run-two-regions', ['us-east-1', 'ap-southeast-2']);

    // Assess
    expect(result.resources.map((r) => r.id).sort()).toEqual([volumes['us-east-1'], volumes['ap-southeast-2']].sort());
  });

  it('fails with RegionDiscoveryError naming the region it could not list, and writes nothing', async () => {
    // Prepare: AWS refuses the listing in one region (as it does for a region the account has not enabled).
    volumesInEachRegion();
    const describeVolumes = model.describeVolumes.bind(model);
    jest.spyOn(model, 'describeVolumes').mockImplementation((region, input) => {
      if (region === 'ap-southeast-2')
        throw new AwsApiError('AuthFailure', 'AWS was not able to validate the credentials');
      return describeVolumes(region, input);
    });

    // Act
    const error = await caught(plan({}, 'run-region-refused'));

    // Assess
    expect(error).toBeInstanceOf(RegionDiscoveryError);
    expect(error.name).toBe('RegionDiscoveryError');
    expect(error.message).toContain('tag discovery failed in 1 of 3 configured region(s), so nothing was planned');
    expect(error.message).toContain('ap-southeast-2 (');
    expect(error.message).toContain('AuthFailure');
    expect(error.message).not.toContain('us-east-1 (');
    expect(await db().store().getRun('run-region-refused')).toBeUndefined();
    expect(await db().store().listResources('run-region-refused')).toEqual([]);
  });

  it('throws ThrottledError (for the ASL to retry Plan) when every region that failed was throttled', async () => {
    // Prepare
    volumesInEachRegion();
    const describeInstances = model.describeInstances.bind(model);
    jest.spyOn(model, 'describeInstances').mockImplementation((region, input) => {
      if (region === 'us-east-1') throw new AwsApiError('RequestLimitExceeded', 'Request limit exceeded.', 503);
      return describeInstances(region, input);
    });

    // Act
    const error = await caught(plan({}, 'run-region-throttled'));

    // Assess
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error.message).toContain('tag discovery throttled in us-east-1');
    expect(await db().store().getRun('run-region-throttled')).toBeUndefined();
  });

  it('asks for a key of a copy region only when an encrypted source lies in another region', async () => {
    // Prepare: an encrypted database in us-east-1; us-east-1 is also the copy target, named without a key.
    model.addDbInstance('us-east-1', { DBInstanceIdentifier: 'orders', TagList: TAGGED, StorageEncrypted: true });
    model.addVolume(REGION, { Size: 8, Tags: TAGGED });
    const input = { copyTo: [{ region: 'us-east-1' }] };

    // Act
    const planned = await plan(input, 'run-copy-own-region');
    model.addDbInstance(REGION, { DBInstanceIdentifier: 'ledger', TagList: TAGGED, StorageEncrypted: true });
    const refused = await caught(plan(input, 'run-copy-needs-key'));

    // Assess: the us-east-1 database is not copied to its own region, so it needs no key there; the
    // eu-west-1 database is, and does.
    expect(planned.copyTo).toEqual([{ region: 'us-east-1' }]);
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as InvalidInputError).problems).toEqual([
      {
        field: 'copyTo.0.kmsKeyId',
        message: expect.stringContaining(`arn:aws:rds:${REGION}:${ACCOUNT}:db:ledger is encrypted`),
      },
    ]);
  });
});
