/**
 * Plan's target resolution against the AWS model (issue #9 §4.4), through the real drivers and SDK
 * clients (the model answers them: tests/support/model-sdk-mocks.ts) and the real state store on
 * dynalite: tag selection is exact equality (EC2 filter wildcards escaped), and 1,000 explicit ARNs
 * are looked up in batches, so a Plan under throttling converges instead of failing after its retries.
 * In several configured regions (issue #11 item 5): tag discovery runs in each, a region that cannot be
 * listed fails Plan by name before anything is written, and the copy key check is per source region.
 */
import { AwsApiError, AwsModel } from '../../../local/model';
import { InvalidInputError, ThrottledError } from '../../../shared/errors';
import { DRIVERS, driverFor } from '../../../shared/services';
import { THROTTLE_RETRY_DEFAULTS } from '../../../shared/throttle-retry';
import { type InputContext, validateExecutionInput } from '../../../shared/workflow/backup/input';
import { planRun, RegionDiscoveryError } from '../../../shared/workflow/backup/plan';
import { checkCopyTargets } from '../../../shared/workflow/copies/copy-targets';
import { wireModelToSdk } from '../../support/model-sdk-mocks';
import { useUnitDynalite } from '../../support/unit-dynalite';
import { ACCOUNT, caught, REGION, TIERS } from '../../support/unit-fixtures';

const db = useUnitDynalite();
const NOW = new Date('2026-11-02T02:00:00.000Z');
const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
const context: InputContext = {
  tiers: TIERS,
  defaultTier: 'daily',
  defaultTargetTags: { backup: 'true' },
  accountId: ACCOUNT,
  region: REGION,
};
let model: AwsModel;
let wiring: { restore(): void };

beforeEach(() => {
  // An estate of 400 databases in one region has raised the 100 manual snapshots Plan now checks against.
  model = new AwsModel({
    accountId: ACCOUNT,
    clock: { now: () => NOW },
    tokenBuckets: false,
    limits: { manualDbSnapshotsPerRegion: 2000 },
  });
  wiring = wireModelToSdk(model);
});
afterEach(() => wiring.restore());

const plan = (raw: unknown, runId: string, regions: readonly string[] = [REGION]) =>
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
    drivers: [DRIVERS['ec2-instance'], DRIVERS['ebs-volume'], DRIVERS['rds-instance'], DRIVERS['aurora-cluster']],
    driverFor,
    store: db().store(),
    now: NOW,
    log: silent,
  });

/** What the ASL does with Plan: retried on ThrottledError, 8 retries after the first attempt. */
async function planAsTheWorkflowRetriesIt(raw: unknown, runId: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return { result: await plan(raw, runId), attempts: attempt };
    } catch (error) {
      if (!(error instanceof ThrottledError) || attempt >= 9) throw error;
    }
  }
}

describe('Plan: tag selection is equality', () => {
  it('selects only the instance and volume whose tag is the literal "*", not every value', async () => {
    // Prepare
    const literal = model.addInstance(REGION, { Tags: [{ Key: 'backup', Value: '*' }], volumes: [{ Size: 8 }] });
    model.addInstance(REGION, { Tags: [{ Key: 'backup', Value: 'false' }], volumes: [{ Size: 8 }] });
    const literalVolume = model.addVolume(REGION, { Size: 8, Tags: [{ Key: 'backup', Value: '*' }] });
    model.addVolume(REGION, { Size: 8, Tags: [{ Key: 'backup', Value: 'false' }] });
    model.addVolume(REGION, { Size: 8, Tags: [{ Key: 'backup', Value: 'f?lse' }] });

    // Act
    const result = await plan({ targets: { tags: { backup: '*' } } }, 'run-literal-star');

    // Assess
    expect(result.resources.map((r) => r.id).sort()).toEqual([literal.InstanceId, literalVolume.VolumeId].sort());
  });

  it('matches "?" and a backslash literally too', async () => {
    const question = model.addVolume(REGION, { Size: 8, Tags: [{ Key: 'backup', Value: 'a?c\\' }] });
    model.addVolume(REGION, { Size: 8, Tags: [{ Key: 'backup', Value: 'abc\\' }] });

    const result = await plan({ targets: { tags: { backup: 'a?c\\' } } }, 'run-literal-question');

    expect(result.resources.map((r) => r.id)).toEqual([question.VolumeId]);
  });
});

describe('Plan: 1,000 explicit ARNs', () => {
  jest.setTimeout(60_000);
  function estate(): string[] {
    const arns: string[] = [];
    for (let n = 0; n < 400; n++) {
      const id = `db-${n}`;
      model.addDbInstance(REGION, { DBInstanceIdentifier: id });
      arns.push(`arn:aws:rds:${REGION}:${ACCOUNT}:db:${id}`);
    }
    for (let n = 0; n < 300; n++) {
      const instance = model.addInstance(REGION, { volumes: [{ Size: 8 }] });
      arns.push(`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${instance.InstanceId}`);
    }
    for (let n = 0; n < 300; n++) {
      const volume = model.addVolume(REGION, { Size: 8 });
      arns.push(`arn:aws:ec2:${REGION}:${ACCOUNT}:volume/${volume.VolumeId}`);
    }
    return arns;
  }

  it('looks them up in batches: a few Describe calls, not one per ARN', async () => {
    // Prepare
    const resources = estate();

    // Act
    const result = await plan({ targets: { resources } }, 'run-thousand');

    // Assess
    expect(result.counts).toEqual({ total: 1000, selected: 1000, skipped: 0, failed: 0 });
    expect(model.calls.get('rds:DescribeDBInstances')).toBe(4);
    expect(model.calls.get('ec2:DescribeInstances')).toBe(2);
    // Two for the 300 volumes, and two for the 300 instances' volumes (their restore settings, 200 a call).
    expect(model.calls.get('ec2:DescribeVolumes')).toBe(4);
  });

  it('succeeds under throttling (30% of calls refused) within the retries the workflow gives Plan', async () => {
    // Prepare
    const resources = estate();
    model.faults.throttleRate = 0.3;
    // Refusals here are drawn at random, not from a refilling bucket: the back-off's real sleeps (seconds)
    // would change nothing but the test's time.
    const sleep = jest.spyOn(THROTTLE_RETRY_DEFAULTS, 'sleep').mockResolvedValue(undefined);

    // Act
    const { result, attempts } = await planAsTheWorkflowRetriesIt({ targets: { resources } }, 'run-thousand-throttled');
    sleep.mockRestore();

    // Assess
    expect(result.counts).toEqual({ total: 1000, selected: 1000, skipped: 0, failed: 0 });
    expect(await db().store().listResources('run-thousand-throttled')).toHaveLength(1000);
    expect(attempts).toBeLessThanOrEqual(2);
    const describes = ['rds:DescribeDBInstances', 'ec2:DescribeInstances', 'ec2:DescribeVolumes']
      .map((op) => model.calls.get(op) ?? 0)
      .reduce((a, b) => a + b, 0);
    expect(describes).toBeLessThan(60);
  });

  it('records a named ARN that does not exist FAILED and plans the rest', async () => {
    const db0 = model.addDbInstance(REGION, { DBInstanceIdentifier: 'orders' });
    const result = await plan(
      {
        targets: {
          resources: [
            `arn:aws:rds:${REGION}:${ACCOUNT}:db:${db0.DBInstanceIdentifier}`,
            `arn:aws:rds:${REGION}:${ACCOUNT}:db:gone`,
            `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-00000000000000999`,
          ],
        },
      },
      'run-missing',
    );
    expect(result.counts).toEqual({ total: 3, selected: 1, skipped: 0, failed: 2 });
  });
});

const REGIONS = [REGION, 'us-east-1', 'ap-southeast-2'];
const TAGGED = [{ Key: 'backup', Value: 'true' }];
/** A tagged volume in each region, and one untagged in the last. */
function volumesInEachRegion(): Record<string, string> {
  model.addVolume('ap-southeast-2', { Size: 8, Tags: [{ Key: 'Name', Value: 'untagged' }] });
  return Object.fromEntries(REGIONS.map((r) => [r, model.addVolume(r, { Size: 8, Tags: TAGGED }).VolumeId]));
}

describe('Plan in several regions', () => {
  afterEach(() => jest.restoreAllMocks());

  it('discovers tagged resources in every configured region and records each with its region', async () => {
    // Prepare
    const volumes = volumesInEachRegion();
    model.addDbInstance('us-east-1', { DBInstanceIdentifier: 'orders', TagList: TAGGED });

    // Act
    const result = await plan({}, 'run-three-regions', REGIONS);

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
    const error = await caught(plan({}, 'run-region-refused', REGIONS));

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
    const error = await caught(plan({}, 'run-region-throttled', REGIONS));

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
    const planned = await plan(input, 'run-copy-own-region', REGIONS);
    model.addDbInstance(REGION, { DBInstanceIdentifier: 'ledger', TagList: TAGGED, StorageEncrypted: true });
    const refused = await caught(plan(input, 'run-copy-needs-key', REGIONS));

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
