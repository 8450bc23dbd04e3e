/**
 * shared/errors.ts: the named errors are the ASL contract (DESIGN §6). The state machine matches the
 * error's name (a literal per class, whatever a minifier does to the class), so these tests pin names,
 * the AWS error mapping and the shapes the SDK throws.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  aws,
  awsErrorName,
  ERROR_NAMES,
  InvalidInputError,
  InvalidResourceStateError,
  LimitExceededError,
  NameInUseError,
  PipelineError,
  QuotaExceededError,
  ResourceNotFoundError,
  rethrowAws,
  ThrottledError,
  toPipelineError,
} from '../../../shared/errors';
import { RetentionIncompleteError } from '../../../shared/workflow/retention/retention';
import { caught, namedError } from '../../support/unit-fixtures';
import { ec2Error } from '../services/ec2/fixtures';
import { rdsError } from '../services/rds/fixtures';

describe('named errors', () => {
  it('carry their class name as `name`, which is what the ASL ErrorEquals matches', () => {
    // Prepare
    const errors = [
      new ThrottledError('m'),
      new LimitExceededError('m'),
      new QuotaExceededError('m'),
      new ResourceNotFoundError('m'),
      new InvalidResourceStateError('m'),
      new InvalidInputError([{ field: 'tier', message: 'bad' }]),
      new NameInUseError('m'),
    ];

    // Act
    const names = errors.map((e) => e.name);

    // Assess
    expect(names).toEqual([...ERROR_NAMES]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(PipelineError);
      expect(error).toBeInstanceOf(Error);
    }
    expect(new RetentionIncompleteError('m').name).toBe('RetentionIncompleteError');
  });

  it.each([
    ['ThrottledError', () => new (class l extends ThrottledError {})('m')],
    ['LimitExceededError', () => new (class l extends LimitExceededError {})('m')],
    ['QuotaExceededError', () => new (class l extends QuotaExceededError {})('m')],
    ['ResourceNotFoundError', () => new (class l extends ResourceNotFoundError {})('m')],
    ['InvalidResourceStateError', () => new (class l extends InvalidResourceStateError {})('m')],
    ['InvalidInputError', () => new (class l extends InvalidInputError {})([{ field: 'tier', message: 'bad' }])],
    ['RetentionIncompleteError', () => new (class l extends RetentionIncompleteError {})('m')],
  ])('%s keeps its name when its class is renamed, as a minifier renames it (class l)', (name, make) => {
    // Act: a subclass named like a minified one stands in for the renamed class.
    const error = make();

    // Assess: the name is the contract's string, not the class's name.
    expect(error.name).toBe(name);
  });

  it('keeps the cause it was given', () => {
    const cause = new Error('root');
    expect(new ThrottledError('m', { cause }).cause).toBe(cause);
  });

  it('names in the state machine every pipeline error it retries by name', () => {
    // Prepare
    const asl = readFileSync(join(__dirname, '../../../statemachines/backup.asl.json'), 'utf8');
    const matched = new Set<string>();
    JSON.parse(asl, (key, value) => {
      if (key === 'ErrorEquals') for (const name of value as string[]) matched.add(name);
      return value;
    });

    // Act
    const pipelineNames = [...matched].filter((n) => !/^(States|Lambda|Sandbox)\./.test(n));

    // Assess: every name the ASL matches is one the code throws, and the retried ones are there.
    for (const name of pipelineNames) expect([...ERROR_NAMES, 'RetentionIncompleteError']).toContain(name);
    expect(pipelineNames).toEqual(expect.arrayContaining(['ThrottledError', 'LimitExceededError']));
  });
});

describe('InvalidInputError', () => {
  it('lists every problem in its message and every field in `fields`', () => {
    // Act
    const error = new InvalidInputError([
      { field: 'tier', message: 'unknown tier "hourly"' },
      { field: 'retentionDays', message: 'too big' },
    ]);

    // Assess
    expect(error.message).toBe('Invalid execution input: tier: unknown tier "hourly"; retentionDays: too big');
    expect(error.fields).toEqual(['tier', 'retentionDays']);
  });
});

describe('awsErrorName', () => {
  it.each([
    ['an EC2 error (name and Code)', ec2Error('RequestLimitExceeded'), 'RequestLimitExceeded'],
    ['an RDS fault (Code is the wire code)', rdsError('InvalidDBInstanceState'), 'InvalidDBInstanceState'],
    [
      'an RDS fault without Code',
      rdsError('InvalidDBInstanceState', 'm', { withCode: false }),
      'InvalidDBInstanceStateFault',
    ],
    ['a lower-case code property', { code: 'Throttling' }, 'Throttling'],
    ['a plain Error', new TypeError('x'), 'TypeError'],
  ])('reads %s', (_label, error, expected) => {
    expect(awsErrorName(error)).toBe(expected);
  });

  it.each([[undefined], [null], ['Throttling'], [42], [{}]])('returns undefined for %p', (value) => {
    expect(awsErrorName(value)).toBeUndefined();
  });
});

describe('toPipelineError', () => {
  it.each([
    ['Throttling', ThrottledError],
    ['ThrottlingException', ThrottledError],
    ['ThrottledException', ThrottledError],
    ['RequestLimitExceeded', ThrottledError],
    ['TooManyRequestsException', ThrottledError],
    ['SnapshotCreationPerVolumeRateExceeded', ThrottledError],
    ['ProvisionedThroughputExceededException', ThrottledError],
    ['RequestThrottled', ThrottledError],
    ['ResourceLimitExceeded', LimitExceededError],
    ['PendingSnapshotLimitExceeded', LimitExceededError],
    ['ConcurrentSnapshotLimitExceeded', LimitExceededError],
    ['LimitExceededException', LimitExceededError],
    ['SnapshotQuotaExceeded', QuotaExceededError],
    ['SnapshotQuotaExceededFault', QuotaExceededError],
    ['DBSnapshotQuotaExceeded', QuotaExceededError],
    ['InvalidInstanceID.NotFound', ResourceNotFoundError],
    ['InvalidInstanceID.Malformed', ResourceNotFoundError],
    ['InvalidVolume.NotFound', ResourceNotFoundError],
    ['InvalidSnapshot.NotFound', ResourceNotFoundError],
    ['DBInstanceNotFound', ResourceNotFoundError],
    ['DBInstanceNotFoundFault', ResourceNotFoundError],
    ['DBSnapshotNotFoundFault', ResourceNotFoundError],
    ['ResourceNotFoundException', ResourceNotFoundError],
    ['InvalidDBInstanceState', InvalidResourceStateError],
    ['InvalidDBInstanceStateFault', InvalidResourceStateError],
    ['InvalidDBSnapshotState', InvalidResourceStateError],
    ['IncorrectState', InvalidResourceStateError],
    ['IncorrectInstanceState', InvalidResourceStateError],
    ['InvalidSnapshot.InUse', InvalidResourceStateError],
  ])('maps %s to %p, keeping the AWS error as cause', (code, expected) => {
    // Prepare
    const original = namedError(code, 'details from AWS');

    // Act
    const mapped = toPipelineError(original, 'EC2 CreateSnapshots i-1');

    // Assess
    expect(mapped).toBeInstanceOf(expected);
    expect(mapped.name).toBe(expected.name);
    expect(mapped.cause).toBe(original);
    expect(mapped.message).toBe(`EC2 CreateSnapshots i-1: ${code}: details from AWS`);
  });

  it('maps the shapes the SDK really throws: an RDS fault by its wire code or by its class name', () => {
    expect(toPipelineError(rdsError('SnapshotQuotaExceeded'), 'ctx')).toBeInstanceOf(QuotaExceededError);
    expect(toPipelineError(rdsError('SnapshotQuotaExceeded', 'm', { withCode: false }), 'ctx')).toBeInstanceOf(
      QuotaExceededError,
    );
    expect(toPipelineError(ec2Error('SnapshotCreationPerVolumeRateExceeded'), 'ctx')).toBeInstanceOf(ThrottledError);
  });

  it('maps EC2 SnapshotLimitExceeded (the account total of snapshots) to QuotaExceededError, not a passing limit', () => {
    expect(toPipelineError(ec2Error('SnapshotLimitExceeded'), 'EC2 CreateSnapshots')).toBeInstanceOf(
      QuotaExceededError,
    );
  });

  it.each([
    ['a 500 InternalError', ec2Error('InternalError')],
    [
      'a 503 by status alone',
      Object.assign(new Error('Service Unavailable'), { name: 'Unknown', $metadata: { httpStatusCode: 503 } }),
    ],
    ['a server fault', Object.assign(new Error('boom'), { name: 'SomethingNew', $fault: 'server', $metadata: {} })],
    ['an SDK-marked retryable error', Object.assign(new Error('x'), { name: 'Odd', $retryable: {}, $metadata: {} })],
    ['a connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['an SDK TimeoutError', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    // A socket timeout the SDK could only wrap: seen under load on a 2-core machine, recorded as a failed backup.
    ['an SDK-wrapped socket timeout', new Error('AWS SDK error wrapper for TimeoutError: socket hang up')],
  ])('maps %s to ThrottledError (retried, never recorded as the resource failing)', (_label, error) => {
    const mapped = toPipelineError(error, 'RDS CreateDBSnapshot orders');
    expect(mapped).toBeInstanceOf(ThrottledError);
    expect(mapped.message).toContain('RDS CreateDBSnapshot orders');
    expect(mapped.cause).toBe(error);
  });

  it('leaves a 4xx client error that it does not know unchanged', () => {
    const error = Object.assign(new Error('bad'), {
      name: 'ValidationError',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    expect(toPipelineError(error, 'x')).toBe(error);
  });

  it('passes a pipeline error through untouched', () => {
    const error = new QuotaExceededError('already named');
    expect(toPipelineError(error, 'ctx')).toBe(error);
  });

  it('returns an unrecognised Error unchanged, so it surfaces as a task failure', () => {
    const error = namedError('AccessDenied');
    expect(toPipelineError(error, 'ctx')).toBe(error);
  });

  it('returns a TypeError (a bug, not an AWS answer) unchanged', () => {
    const error = new TypeError('bug');
    expect(toPipelineError(error, 'ctx')).toBe(error);
  });

  it('wraps a thrown non-Error value in an Error that says where it came from', () => {
    const mapped = toPipelineError('socket hang up', 'SNS Publish');
    expect(mapped).toBeInstanceOf(Error);
    expect(mapped.message).toBe('SNS Publish: Error: socket hang up');
  });
});

describe('aws', () => {
  it('returns the call result', async () => {
    await expect(aws('ctx', async () => 42)).resolves.toBe(42);
  });

  it('throws the mapped named error when the call fails', async () => {
    // Act
    const error = await caught(aws('RDS CreateDBSnapshot orders', () => Promise.reject(rdsError('Throttling'))));

    // Assess
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error.message).toMatch(/^RDS CreateDBSnapshot orders: Throttling: /);
  });
});

describe('rethrowAws', () => {
  it('throws a caught SDK error as the named error aws() makes of it, with the error as cause', async () => {
    // Prepare
    const sdkError = rdsError('DBSnapshotNotFound');

    // Act
    const error = await caught(() => rethrowAws('RDS DescribeDBSnapshots s1', sdkError));

    // Assess
    expect(error).toBeInstanceOf(ResourceNotFoundError);
    expect(error.message).toMatch(/^RDS DescribeDBSnapshots s1: DBSnapshotNotFound: /);
    expect(error.cause).toBe(sdkError);
  });

  it('passes a pipeline error through unchanged', async () => {
    const named = new LimitExceededError('m');
    expect(await caught(() => rethrowAws('ctx', named))).toBe(named);
  });
});
