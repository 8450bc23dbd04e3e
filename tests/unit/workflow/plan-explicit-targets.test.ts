/**
 * Plan's target resolution against the AWS model (issue #9 §4.4), through the real drivers and SDK
 * clients (the model answers them: tests/support/model-sdk-mocks.ts) and the real state store on
 * dynalite: tag selection is exact equality (EC2 filter wildcards escaped), and 1,000 explicit ARNs
 * are looked up in batches, so a Plan under throttling converges instead of failing after its retries.
 */
import { AwsModel } from '../../../local/model';
import { ThrottledError } from '../../../shared/errors';
import { DRIVERS, driverFor } from '../../../shared/services';
import { checkCopyTargets } from '../../../shared/workflow/copy-targets';
import { type InputContext, validateExecutionInput } from '../../../shared/workflow/input';
import { planRun } from '../../../shared/workflow/plan';
import { wireModelToSdk } from '../../support/model-sdk-mocks';
import { useUnitDynalite } from '../../support/unit-dynalite';
import { ACCOUNT, REGION, TIERS } from '../../support/unit-fixtures';

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
  model = new AwsModel({ accountId: ACCOUNT, clock: { now: () => NOW }, tokenBuckets: false });
  wiring = wireModelToSdk(model);
});
afterEach(() => wiring.restore());

const plan = (raw: unknown, runId: string) =>
  planRun({
    modes: { defaults: {}, resources: {} },
    checkCopyTargets,
    runId,
    executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:backup-pipeline:${runId}`,
    startedAt: NOW.toISOString(),
    rawInput: raw,
    input: validateExecutionInput(raw, context),
    region: REGION,
    regions: [REGION],
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
    expect(model.calls.get('ec2:DescribeVolumes')).toBe(2);
  });

  it('succeeds under throttling (30% of calls refused) within the retries the workflow gives Plan', async () => {
    // Prepare
    const resources = estate();
    model.faults.throttleRate = 0.3;

    // Act
    const { result, attempts } = await planAsTheWorkflowRetriesIt({ targets: { resources } }, 'run-thousand-throttled');

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
