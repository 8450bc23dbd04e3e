/**
 * cli/commands/restore-checks.ts: what `restore` refuses before StartExecution, in the operator's flags
 * (issue #21 item 1). Plan is the workflow's own (planRestores), the name asked of a mocked RDS through
 * the restore driver's own describe; the e2e test (tests/e2e/restore-safe-cli.test.ts) runs the real CLI.
 */
import { DescribeAccountAttributesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { checkRestore, flagOf, flagProblem, inFlags } from '../../../cli/commands/restore-checks';
import { CliError } from '../../../cli/errors';
import type { NameClaimRecord, RestorePoint } from '../../../shared/state/records';
import { mockedClient } from '../../support/driver-harness';
import { REGION } from '../../support/unit-fixtures';
import { rdsError } from '../services/rds/fixtures';

const rds = mockedClient(RDSClient);
const ec2 = mockedClient(EC2Client);
const NOW = new Date('2026-03-01T00:00:00.000Z');
const ARN = 'arn:aws:rds:eu-west-1:111122223333:db:orders';
const POINT: RestorePoint = {
  arn: ARN,
  type: 'rds-instance',
  region: REGION,
  resourceId: 'orders',
  runId: 'daily-1',
  tier: 'daily',
  backupIds: ['bp-daily-1-orders'],
  completedAt: '2026-02-28T02:41:00.000Z',
  copies: [{ region: 'us-west-2', ids: ['bp-daily-1-orders'], status: 'COMPLETED', reason: null }],
  restoreSettings: { dbInstanceClass: 'db.t4g.micro' },
};
const claims = (held: Partial<NameClaimRecord>[] = []) => ({
  get: async (ref: { name: string; region: string }) =>
    held.find((c) => c.name === ref.name && c.region === ref.region) as NameClaimRecord | undefined,
});
const request = {
  restoreId: 'restore-1',
  points: {
    findById: async (id: string) => (POINT.backupIds.includes(id) ? POINT : undefined),
    list: async (arn: string) => (arn === ARN ? [POINT] : []),
  },
  latestPoints: async () => [],
  defaultTier: 'daily',
  now: NOW,
};
const taken = (...names: string[]) => {
  // Every region has its default VPC: the placement check passes.
  ec2.on(DescribeAccountAttributesCommand).resolves({
    AccountAttributes: [{ AttributeName: 'default-vpc', AttributeValues: [{ AttributeValue: 'vpc-1' }] }],
  });
  rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier?: string }) => {
    if (names.includes(input.DBInstanceIdentifier ?? ''))
      return { DBInstances: [{ DBInstanceIdentifier: input.DBInstanceIdentifier, TagList: [] }] };
    throw rdsError('DBInstanceNotFound');
  });
};
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'started',
    (error: Error) => (error instanceof CliError ? error.message : `not a CliError: ${error.message}`),
  );

describe('flagProblem', () => {
  it('names what to give, in flags', () => {
    expect(flagProblem(undefined, { latest: false })).toMatch(/^name what to restore: a backup id .*--resource/);
    expect(flagProblem(undefined, { latest: true })).toBe(
      '--latest goes with --resource <arn|name> (its newest restore point)',
    );
    expect(flagProblem('bp-1', { resource: 'orders', latest: false })).toBe('give a backup id or --resource, not both');
    expect(flagProblem(undefined, { resource: 'orders', application: { app: 'x' }, latest: false })).toBe(
      'give --resource or --application, not both',
    );
  });

  it('takes --resource alone (it implies --latest) and a backup id alone', () => {
    expect(flagProblem(undefined, { resource: 'orders', latest: false })).toBeUndefined();
    expect(flagProblem('bp-1', { latest: false })).toBeUndefined();
  });
});

describe('inFlags', () => {
  it("says each input field as the flag it comes from, a placement key as --placement's JSON", () => {
    expect(flagOf('region')).toBe('--to-region');
    expect(flagOf('application.order')).toBe('--order');
    expect(
      inFlags([
        { field: 'region', message: 'no copy in ap-south-1' },
        {
          field: 'placement.subnetId',
          message: "no default VPC: name a subnet there (placement.subnetId; a drill's in drills.placement.us-west-2)",
        },
        { field: 'backupId', message: 'no backup x is recorded' },
      ]),
    ).toBe(
      `--to-region: no copy in ap-south-1; --placement: no default VPC: name a subnet there (--placement '{"subnetId": …}'; a drill's in drills.placement.us-west-2); no backup x is recorded`,
    );
  });
});

describe('checkRestore', () => {
  it("refuses what the execution's Plan would refuse, in flags", async () => {
    taken();
    expect(await refusal(checkRestore({ backupId: 'bp-nothing' }, request, claims()))).toBe(
      'the restore was not started: no backup bp-nothing is recorded: list them with "backup-pipeline backups <resource>"',
    );
    expect(await refusal(checkRestore({ resource: ARN, latest: true, region: 'ap-south-1' }, request, claims()))).toBe(
      'the restore was not started: --to-region: this backup has no completed copy in ap-south-1; it can be restored in: eu-west-1, us-west-2',
    );
  });

  it("refuses a name AWS holds in the target region, with a free one, asked with the driver's describe", async () => {
    // Prepare: orders and orders-2 exist in the region.
    taken('orders', 'orders-2');

    // Act
    const out = await refusal(checkRestore({ resource: ARN, latest: true, name: 'orders' }, request, claims()));

    // Assess
    expect(out).toBe(
      'the restore was not started: --name: RDS instance identifier orders is in use in eu-west-1: choose another --name, e.g. --name orders-3',
    );
    expect(rds.commandCalls(DescribeDBInstancesCommand).map((c) => c.args[0].input.DBInstanceIdentifier)).toEqual([
      'orders',
      'orders-2',
      'orders-3',
    ]);
  });

  it('refuses a name a running restore has claimed', async () => {
    taken();
    const held = [
      { name: 'orders-new', region: REGION, restoreId: 'restore-0', expiresAt: '2026-03-02T00:00:00.000Z' },
    ];
    expect(
      await refusal(checkRestore({ resource: ARN, latest: true, name: 'orders-new' }, request, claims(held))),
    ).toBe(
      'the restore was not started: --name: orders-new is claimed in eu-west-1 by restore restore-0, which is still running: choose another --name, e.g. --name orders-new-2',
    );
  });

  it('plans a restore whose name is free in its region', async () => {
    // (Which region answers is the e2e test's: a mocked client answers for every region.)
    taken();
    const plan = await checkRestore(
      { resource: ARN, latest: true, region: 'us-west-2', name: 'orders' },
      request,
      claims(),
    );
    expect(plan.restores).toEqual([expect.objectContaining({ region: 'us-west-2', name: 'orders' })]);
  });
});
