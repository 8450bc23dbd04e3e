/**
 * Bad configuration is refused at synth (issue #21 item 8), each with the field named: names that only a
 * prototype knows (`constructor`, `__proto__`), cron expressions EventBridge Scheduler would refuse at
 * deploy (docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html, which the Scheduler
 * user guide's "Schedule types" page refers to), drill resources of unsupported types, and a deadline
 * past the tier's retention.
 */
import { parsePipelineConfig } from '../../../shared/config';
import { cronProblem } from '../../../shared/cron';
import { caught } from '../../support/unit-fixtures';

const ARN = 'arn:aws:rds:eu-west-1:111122223333:db:orders';
/** Drills whose placement is not the point of these tests. */
const drills = { allowSourceNetworking: true };

const refusal = async (context: unknown) => (await caught(() => parsePipelineConfig(context))).message;

describe('names only a prototype knows', () => {
  it('refuses drills.tier "constructor", which `in` found on Object.prototype', async () => {
    expect(await refusal({ drills: { ...drills, tier: 'constructor' } })).toContain(
      'backupPipeline.drills.tier: "constructor" is not one of the tiers (daily, weekly, monthly, yearly)',
    );
  });

  it('refuses defaultTier "constructor" too', async () => {
    expect(await refusal({ defaultTier: 'constructor' })).toContain(
      'backupPipeline.defaultTier: "constructor" is not one of the tiers',
    );
  });

  it('refuses a tier named __proto__, which the schema dropped without a word', async () => {
    const raw = JSON.parse('{"tiers":{"daily":{"retentionDays":7},"__proto__":{"retentionDays":1}}}');
    expect(await refusal(raw)).toContain('backupPipeline.tiers.__proto__: "__proto__" cannot be a name here');
  });
});

describe('cron expressions (EventBridge Scheduler)', () => {
  it.each([
    'cron(0 2 * * ? *)',
    'cron(0 1 ? * SUN *)',
    'cron(0 0 1 * ? *)',
    'cron(0 3 1 1 ? *)',
    'cron(0 6 ? * SAT *)',
    'cron(15 10 ? * 6L 2030-2040)',
    'cron(0/15 8-17 ? * MON-FRI *)',
    'cron(0 9 ? * 2#1 *)',
    'cron(0 9 L * ? *)',
    'cron(0 9 3W * ? *)',
    'cron(0 9 ? JAN,JUL 1-7/2 *)',
  ])('accepts %s', (expression) => {
    expect(cronProblem(expression)).toBeUndefined();
  });

  it.each([
    ['cron(0 2 * * * *)', 'day-of-month and day-of-week: one of them must be ? (both are set)'],
    ['cron(0 2 ? * ? *)', 'day-of-month and day-of-week: only one of them may be ?'],
    ['cron(61 2 * * ? *)', 'minutes: 61 is outside 0-59'],
    ['cron(0 24 * * ? *)', 'hours: 24 is outside 0-23'],
    ['cron(0 2 0 * ? *)', 'day-of-month: 0 is outside 1-31'],
    ['cron(0 2 * 13 ? *)', 'month: 13 is outside 1-12 (or JAN-DEC)'],
    ['cron(0 2 ? * 8 *)', 'day-of-week: 8 is outside 1-7 (or SUN-SAT)'],
    ['cron(0 2 * * ? 1969)', 'year: 1969 is outside 1970-2199'],
    ['cron(0 2 ? * 2#1,3#2 *)', 'day-of-week: # allows one expression in the field'],
    ['cron(0 2 * * ?)', 'expected six fields'],
    ['cron(? 2 * * ? *)', 'minutes: "?" is not allowed here'],
    ['cron(0 5-2 * * ? *)', 'hours: 5-2 is a backwards range'],
  ])('refuses %s, naming the cron field', (expression, message) => {
    expect(cronProblem(expression)).toContain(message);
  });

  it('refuses them at synth, naming the schedule', async () => {
    const message = await refusal({
      tiers: { daily: { schedule: 'cron(0 2 * * * *)', retentionDays: 7 } },
      drills: { ...drills, schedule: 'cron(61 2 ? * SAT *)' },
    });
    expect(message).toContain(
      'backupPipeline.tiers.daily.schedule: day-of-month and day-of-week: one of them must be ? (both are set)',
    );
    expect(message).toContain('backupPipeline.drills.schedule: minutes: 61 is outside 0-59');
  });
});

describe('drill resources and deadlines', () => {
  it('refuses drills.resources of an unsupported type or a malformed ARN, naming each entry', async () => {
    const message = await refusal({
      drills: { ...drills, resources: [ARN, 'arn:aws:lambda:eu-west-1:111122223333:function:f', 'arn:nope'] },
    });
    expect(message).toContain('backupPipeline.drills.resources.1: unsupported resource type "lambda:function"');
    expect(message).toContain('backupPipeline.drills.resources.2: not a valid ARN');
    expect(message).not.toContain('drills.resources.0');
  });

  it("refuses a tier's deadlineHours past its retention, and a polling.deadlineHours past a tier's", async () => {
    const message = await refusal({
      tiers: { daily: { schedule: 'cron(0 2 * * ? *)', retentionDays: 2, deadlineHours: 72 } },
      polling: { deadlineHours: 96 },
      drills: null,
    });
    expect(message).toContain(
      "backupPipeline.tiers.daily.deadlineHours: 72 h is past the tier's retention (2 days = 48 h): its backups would expire before they are judged",
    );

    const polling = await refusal({
      tiers: { daily: { schedule: 'cron(0 2 * * ? *)', retentionDays: 2 } },
      polling: { deadlineHours: 96 },
      drills: null,
    });
    expect(polling).toContain(
      'backupPipeline.polling.deadlineHours: 96 h is past the retention of tier daily (2 days = 48 h)',
    );
  });
});
