/**
 * shared/workflow/backup/input.ts: the execution input contract (DESIGN §3). Bad input fails the execution at Plan
 * with one InvalidInputError that names every bad field, so the operator fixes the input once.
 */
import { InvalidInputError } from '../../../shared/errors';
import { checkExecutionInput, type InputContext, validateExecutionInput } from '../../../shared/workflow/backup/input';
import { ACCOUNT, caught, REGION, TIERS } from '../../support/unit-fixtures';

const context: InputContext = { tiers: TIERS, defaultTier: 'daily', defaultTargetTags: { backup: 'true' } };
const DB_ARN = `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders`;
const VOLUME_ARN = `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0123456789abcdef0`;
const INSTANCE_ARN = `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`;

async function invalid(raw: unknown): Promise<InvalidInputError> {
  const error = await caught(() => validateExecutionInput(raw, context));
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as InvalidInputError;
}

describe('validateExecutionInput', () => {
  describe('valid input', () => {
    it('fills every default for an empty object: default tier, default tags, the tier retention', () => {
      expect(validateExecutionInput({}, context)).toEqual({
        tier: 'daily',
        tags: { backup: 'true' },
        resources: [],
        copyTo: [],
        dryRun: false,
        reason: undefined,
        retentionDays: 7,
      });
    });

    it("copies to the tier's copyTo regions when the input names none, and lets an explicit copyTo (even []) replace them", () => {
      // Prepare: daily copies to us-west-2 in the config.
      const copyTo = [{ region: 'us-west-2', kmsKeyId: 'alias/backup-dr' }];
      const daily = { schedule: 'cron(0 2 * * ? *)', retentionDays: 7, keepLast: 0, copyTo };
      const withCopies: InputContext = { ...context, tiers: { ...TIERS, daily } };

      // Act + Assess
      expect(validateExecutionInput({ tier: 'daily' }, withCopies).copyTo).toEqual(copyTo);
      expect(validateExecutionInput({ tier: 'weekly' }, withCopies).copyTo).toEqual([]);
      expect(
        validateExecutionInput({ tier: 'daily', copyTo: [{ region: 'eu-central-1' }] }, withCopies).copyTo,
      ).toEqual([{ region: 'eu-central-1' }]);
      expect(validateExecutionInput({ tier: 'daily', copyTo: [] }, withCopies).copyTo).toEqual([]);
    });

    it("takes the named tier's retention and carries dryRun and reason", () => {
      expect(validateExecutionInput({ tier: 'weekly', dryRun: true, reason: 'before release 42' }, context)).toEqual(
        expect.objectContaining({ tier: 'weekly', retentionDays: 35, dryRun: true, reason: 'before release 42' }),
      );
    });

    it('uses only the explicit ARNs when resources are named (no default tags), parsed into refs', () => {
      // Act
      const input = validateExecutionInput({ targets: { resources: [DB_ARN, VOLUME_ARN, INSTANCE_ARN] } }, context);

      // Assess
      expect(input.tags).toBeUndefined();
      expect(input.resources).toEqual([
        { arn: DB_ARN, type: 'rds-instance', region: REGION, accountId: ACCOUNT, id: 'orders' },
        { arn: VOLUME_ARN, type: 'ebs-volume', region: REGION, accountId: ACCOUNT, id: 'vol-0123456789abcdef0' },
        { arn: INSTANCE_ARN, type: 'ec2-instance', region: REGION, accountId: ACCOUNT, id: 'i-0123456789abcdef0' },
      ]);
    });

    it('uses the given tags instead of the default ones, together with explicit resources', () => {
      const input = validateExecutionInput({ targets: { tags: { team: 'shop' }, resources: [DB_ARN] } }, context);
      expect(input.tags).toEqual({ team: 'shop' });
      expect(input.resources).toHaveLength(1);
    });

    it("takes a named tier with explicit ARNs and an override retention, instead of the tier's", () => {
      const input = validateExecutionInput(
        { tier: 'monthly', targets: { resources: [DB_ARN] }, retentionDays: 30 },
        context,
      );
      expect(input).toMatchObject({
        tier: 'monthly',
        tags: undefined,
        retentionDays: 30,
        resources: [{ type: 'rds-instance', id: 'orders', region: REGION }],
      });
    });

    it('lets the input override the retention within 1..3650 days', () => {
      expect(validateExecutionInput({ retentionDays: 1 }, context).retentionDays).toBe(1);
      expect(validateExecutionInput({ retentionDays: 3650 }, context).retentionDays).toBe(3650);
    });
  });

  describe('foreign and prototype input (issue #9 §4.4)', () => {
    const home: InputContext = { ...context, accountId: ACCOUNT, region: REGION };

    it.each([
      ['another account', `arn:aws:rds:${REGION}:999999999999:db:orders`, 'belongs to account 999999999999'],
      ['another partition', `arn:aws-cn:rds:cn-north-1:${ACCOUNT}:db:orders`, 'is in partition aws-cn'],
      ['a region outside its partition', `arn:aws:rds:cn-north-1:${ACCOUNT}:db:orders`, 'not in partition aws'],
      [
        'another account (EC2)',
        'arn:aws:ec2:eu-west-1:999999999999:instance/i-0123456789abcdef0',
        'belongs to account 999999999999',
      ],
    ])('rejects an ARN of %s, naming the field', async (_label, arn, message) => {
      const error = await caught(() => validateExecutionInput({ targets: { resources: [DB_ARN, arn] } }, home));
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).fields).toEqual(['targets.resources.1']);
      expect((error as InvalidInputError).message).toContain(message);
    });

    it('accepts an ARN of its own account and partition', () => {
      expect(validateExecutionInput({ targets: { resources: [DB_ARN] } }, home).resources).toHaveLength(1);
    });

    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
      'rejects tier %p as unknown instead of following the prototype chain',
      async (tier) => {
        const error = await invalid({ tier });
        expect(error.fields).toEqual(['tier']);
        expect(error.message).toContain(`unknown tier "${tier}"`);
      },
    );

    it('returns every problem without throwing from checkExecutionInput', () => {
      const checked = checkExecutionInput({ tier: 'constructor', retentionDays: 0 }, home);
      expect(checked.ok).toBe(false);
      if (!checked.ok) expect(checked.problems.map((p) => p.field).sort()).toEqual(['retentionDays', 'tier']);
    });
  });

  describe('invalid input', () => {
    it.each([
      [[], 'an array'],
      [null, 'null'],
      ['daily', 'string'],
      [7, 'number'],
      [true, 'boolean'],
      [undefined, 'undefined'],
    ])('rejects %p as not an object', async (raw, described) => {
      const error = await invalid(raw);
      expect(error.fields).toEqual(['(input)']);
      expect(error.message).toBe(`Invalid execution input: (input): expected a JSON object, got ${described}`);
    });

    it('rejects an unknown tier and lists the configured ones', async () => {
      const error = await invalid({ tier: 'hourly' });
      expect(error.fields).toEqual(['tier']);
      expect(error.message).toContain('unknown tier "hourly" (configured: daily, weekly, monthly)');
    });

    it('rejects a tier that is not a string', async () => {
      const error = await invalid({ tier: 7 });
      expect(error.fields).toEqual(['tier']);
    });

    it('rejects a malformed ARN', async () => {
      const error = await invalid({ targets: { resources: ['arn:aws:ec2:eu-west-1:123:instance/i-1'] } });
      expect(error.fields).toEqual(['targets.resources.0']);
      expect(error.message).toContain('not a valid ARN');
    });

    it.each([
      ['a Lambda function', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f`, 'lambda:function'],
      ['an Aurora cluster snapshot', `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:s`, 'rds:cluster-snapshot'],
      ['a DynamoDB backup', `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders/backup/01-a`, 'dynamodb:table'],
      ['an EC2 AMI', `arn:aws:ec2:${REGION}::image/ami-12345678`, undefined],
    ])('rejects %s as an unsupported resource', async (_label, arn, type) => {
      const error = await invalid({ targets: { resources: [arn] } });
      expect(error.fields).toEqual(['targets.resources.0']);
      if (type) expect(error.message).toContain(`unsupported resource type "${type}"`);
    });

    it('rejects an S3 bucket ARN', async () => {
      const error = await invalid({ targets: { resources: ['arn:aws:s3:::my-bucket'] } });
      expect(error.fields).toEqual(['targets.resources.0']);
    });

    it.each([[-1], [0], [1.5], [3651], [100_000], ['7']])('rejects retentionDays %p', async (retentionDays) => {
      const error = await invalid({ retentionDays });
      expect(error.fields).toEqual(['retentionDays']);
    });

    it('rejects the same ARN named twice', async () => {
      const error = await invalid({ targets: { resources: [DB_ARN, DB_ARN] } });
      expect(error.fields).toEqual(['targets.resources.1']);
      expect(error.message).toContain(`duplicate of ${DB_ARN}`);
    });

    it('rejects an EBS volume named twice, naming the index of the second', async () => {
      const error = await invalid({ targets: { resources: [VOLUME_ARN, VOLUME_ARN] } });
      expect(error.message).toContain(`targets.resources.1: duplicate of ${VOLUME_ARN}`);
    });

    it('rejects a copy region named twice', async () => {
      const error = await invalid({ copyTo: [{ region: 'us-west-2' }, { region: 'us-west-2', kmsKeyId: 'alias/dr' }] });
      expect(error.fields).toEqual(['copyTo.1.region']);
      expect(error.message).toContain('duplicate copy region us-west-2');
    });

    it('rejects a copy target whose region is not a region name', async () => {
      const error = await invalid({ copyTo: [{ region: 'mars-north-1a' }] });
      expect(error.fields).toContain('copyTo.0.region');
    });

    it.each([
      [{ colour: 'blue' }, 'colour'],
      [{ targets: { tag: { backup: 'true' } } }, 'targets.tag'],
      [{ copyTo: [{ region: 'us-west-2', kms: 'k' }] }, 'copyTo.0.kms'],
    ])('rejects the unknown field in %p', async (raw, field) => {
      const error = await invalid(raw);
      expect(error.fields).toContain(field);
      expect(error.message).toContain(`${field}: unknown field`);
    });

    it.each([
      [{ targets: {} }, 'targets', 'must name tags or resources'],
      [{ targets: { resources: [] } }, 'targets.resources', 'must name at least one resource'],
    ])(
      'rejects the empty filter %j: it never means the default selection (issue #21)',
      async (input, field, message) => {
        const error = await invalid(input);
        expect(error.fields).toEqual([field]);
        expect(error.message).toContain(`${field}: ${message}`);
      },
    );

    it('rejects empty target tags (which would match every resource)', async () => {
      const error = await invalid({ targets: { tags: {} } });
      expect(error.fields).toEqual(['targets.tags']);
    });

    it('reports target tags that are not a map once, as the wrong type', async () => {
      const error = await invalid({ targets: { tags: [] } });
      expect(error.fields).toEqual(['targets.tags']);
      expect(error.message).not.toContain('must name at least one tag');
    });

    it('rejects a dryRun that is not a boolean, an over-long reason and over 1000 resources', async () => {
      const error = await invalid({
        dryRun: 'yes',
        reason: 'x'.repeat(1025),
        targets: { resources: Array.from({ length: 1001 }, () => DB_ARN) },
      });
      expect(error.fields).toEqual(expect.arrayContaining(['dryRun', 'reason', 'targets.resources']));
    });

    it('names every bad field of a mixed input, and which resource type is unsupported', async () => {
      // Prepare
      const raw = {
        tier: 'hourly',
        targets: { tags: {}, resources: [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:f`, 'nope', 42] },
        retentionDays: 99999,
        copyTo: [{ region: 'us-west-2' }, { region: 'us-west-2' }],
        dryRun: 'yes',
        extra: 1,
      };

      // Act
      const error = await invalid(raw);

      // Assess
      expect(error.fields).toEqual(
        expect.arrayContaining([
          'tier',
          'targets.resources.0',
          'targets.resources.1',
          'targets.resources.2',
          'retentionDays',
          'copyTo.1.region',
          'dryRun',
          'extra',
        ]),
      );
      expect(error.message).toContain('unsupported resource type "lambda:function"');
    });

    it('names a wrong type, an unknown key, a bad region, an unconfigured tier and a bad ARN in one error', async () => {
      // Prepare: one bad field of each kind, each in a different part of the input.
      const raw = {
        tier: 'hourly',
        targets: { resources: [DB_ARN, 'arn:aws:rds:eu-west-1:123:db'] },
        copyTo: [{ region: 'mars-north-1a' }],
        dryRun: 'yes',
        colour: 'blue',
      };

      // Act
      const error = await invalid(raw);

      // Assess: every one is named, once, with its own message, and nothing else.
      expect([...error.fields].sort()).toEqual(
        ['colour', 'copyTo.0.region', 'dryRun', 'targets.resources.1', 'tier'].sort(),
      );
      expect(error.message).toContain('tier: unknown tier "hourly" (configured: daily, weekly, monthly)');
      expect(error.message).toContain('targets.resources.1: not a valid ARN');
      expect(error.message).toContain('copyTo.0.region: not an AWS region name');
      expect(error.message).toContain('dryRun: Invalid input: expected boolean');
      expect(error.message).toContain('colour: unknown field');
    });

    it('names the bad elements of a list that is also too long', async () => {
      // Prepare: over both limits, with one bad element in each list.
      const resources = Array.from({ length: 1001 }, (_, i) => `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders-${i}`);
      resources[3] = 'nope';
      const copyTo = ['us-west-2', 'mars', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'us-east-2'].map((region) => ({
        region,
      }));

      // Act
      const error = await invalid({ targets: { resources }, copyTo });

      // Assess
      expect([...error.fields].sort()).toEqual([
        'copyTo',
        'copyTo.1.region',
        'targets.resources',
        'targets.resources.3',
      ]);
      expect(error.message).toContain('targets.resources: at most 1000 explicit resources per run');
      expect(error.message).toContain('copyTo: at most 5 copy regions');
    });

    it('names every bad field at once in one error', async () => {
      // Prepare
      const raw = {
        tier: 'hourly',
        targets: {
          tags: {},
          resources: [
            `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f`,
            'not-an-arn',
            42,
            DB_ARN,
            DB_ARN,
            'arn:aws:s3:::my-bucket',
          ],
        },
        retentionDays: -3,
        copyTo: [{ region: 'us-west-2' }, { region: 'us-west-2' }],
        dryRun: 'yes',
        extra: 1,
      };

      // Act
      const error = await invalid(raw);

      // Assess
      const expected = [
        'tier',
        'targets.tags',
        'targets.resources.0',
        'targets.resources.1',
        'targets.resources.2',
        'targets.resources.4',
        'targets.resources.5',
        'retentionDays',
        'copyTo.1.region',
        'dryRun',
        'extra',
      ];
      expect([...error.fields].sort()).toEqual([...expected].sort());
      for (const field of expected) expect(error.message).toContain(`${field}: `);
    });
  });
});
