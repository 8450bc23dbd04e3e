/**
 * shared/workflow/backup/failure.ts: the Step Functions error ({Error, Cause}) of a Catch or a FAILED check,
 * reduced to the readable error and cause that Record failure stores.
 */
import { describeError } from '../../../shared/workflow/backup/failure';

describe('describeError', () => {
  it('parses a Lambda JSON Cause into errorType and errorMessage', () => {
    expect(
      describeError({
        Error: 'QuotaExceededError',
        Cause: JSON.stringify({
          errorType: 'QuotaExceededError',
          errorMessage: 'RDS CreateDBSnapshot orders: SnapshotQuotaExceeded: quota reached',
          trace: ['QuotaExceededError: ...', '    at aws (/var/task/index.js:1:1)'],
        }),
      }),
    ).toEqual({
      error: 'QuotaExceededError',
      cause: 'RDS CreateDBSnapshot orders: SnapshotQuotaExceeded: quota reached',
    });
  });

  it('falls back to the error name when the Cause names no errorType', () => {
    expect(describeError({ Error: 'States.TaskFailed', Cause: '{"errorMessage":"boom"}' })).toEqual({
      error: 'States.TaskFailed',
      cause: 'boom',
    });
  });

  it.each([
    [
      { Error: 'BackupFailed', Cause: 'timeout: still 10% complete after 25.0 h' },
      'BackupFailed',
      'timeout: still 10% complete after 25.0 h',
    ],
    [{ Error: 'States.Timeout', Cause: '{"not":"a lambda error"}' }, 'States.Timeout', '{"not":"a lambda error"}'],
    [{ Error: 'X', Cause: 'null' }, 'X', 'null'],
    [{ Error: 'X' }, 'X', '(no cause given)'],
    [{ Cause: 'plain' }, 'Error', 'plain'],
    [{ Error: 'X', Cause: { reason: 'an object' } }, 'X', '{"reason":"an object"}'],
  ])('keeps %p readable', (input, error, cause) => {
    expect(describeError(input)).toEqual({ error, cause });
  });

  it('caps a long plain cause at 2000 characters', () => {
    expect(describeError({ Error: 'X', Cause: 'y'.repeat(5000) }).cause).toHaveLength(2000);
  });
});
