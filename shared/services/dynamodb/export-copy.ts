/**
 * The DR copy of a DynamoDB table's backup (issue #19: the table recoverable in a recovery region).
 *
 * - Mode `export`: DynamoDB writes an export to a bucket of any region ("Requesting a table export in
 *   DynamoDB": the bucket need not be in the table's region), so the copy is a second
 *   ExportTableToPointInTime of the same table at the original's ExportTime (the same point in time),
 *   into the recovery stack's bucket in the destination region (names.ts recoveryBucketName), under the
 *   original's prefix. It is made and polled in the table's region, where exports live. Its client token
 *   is derived from the run, the table and the region, so a retried start gets the same export back,
 *   never a second. The copy's ids are the DR export's ARN and where its data lies in the DR bucket
 *   (`s3://<bucket>/<prefix>/AWSDynamoDB/<export id>/data/`, the layout DynamoDB documents), so a restore
 *   in that region imports it without asking the home region anything (./table-import.ts). A region
 *   without a recovery stack has no bucket to export to: not copied there, saying so.
 * - Mode `backup`: DynamoDB copies on-demand backups to another region only through AWS Backup, which
 *   this tool does not drive: not copied, saying so (the game day prints it as not recoverable there).
 *
 * The DR bucket's objects expire by that bucket's lifecycle rules, as the home bucket's exports do.
 */
import { createHash } from 'node:crypto';
import { DescribeExportCommand, ExportTableToPointInTimeCommand } from '@aws-sdk/client-dynamodb';
import { aws, awsErrorName, InvalidResourceStateError, rethrowAws } from '../../errors';
import type { ResourceRef } from '../../resource';
import type { CopyRequest } from '../driver';
import { dynamoClient } from './client';

/** Why an on-demand backup (mode `backup`) has no copy in another region: AWS's rule. */
export const BACKUP_NOT_COPIED =
  'DynamoDB on-demand backups (mode "backup") are copied to another region only through AWS Backup, which this pipeline does not use: not recoverable in another region; use mode "export" to have a copy there';

/** Why an export has no copy in a region that is not a recovery region. */
export const notARecoveryRegion = (region: string) =>
  `${region} is not a recovery region: a DynamoDB export is copied into the recovery stack's bucket there (config recovery.regions), so it is not recoverable in ${region}`;

/** The DR export's client token: one per run, table and destination region (at most 36 characters). */
export function exportCopyClientToken(runId: string, tableArn: string, region: string): string {
  return createHash('sha256').update(`${runId}|${tableArn}|copy|${region}`).digest('hex').slice(0, 36);
}

/** Where an export's data lies in its bucket, as DynamoDB lays it out: `<prefix>/AWSDynamoDB/<export id>/data/`. */
export function exportDataLocation(bucket: string, prefix: string | undefined, exportArn: string): string {
  const root = prefix ? `${prefix.replace(/\/+$/, '')}/` : '';
  return `s3://${bucket}/${root}AWSDynamoDB/${exportArn.split('/').pop()}/data/`;
}

/** An `s3://bucket/key-prefix` location, as exportDataLocation writes it; undefined for anything else. */
export function parseDataLocation(location: string): { S3Bucket: string; S3KeyPrefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(location);
  return match?.[1] ? { S3Bucket: match[1], S3KeyPrefix: match[2] ?? '' } : undefined;
}

/** The original export's point in time and prefix (it is COMPLETED: the copy branch runs after the backup). */
async function originalExport(region: string, arn: string) {
  const out = await aws(`DynamoDB DescribeExport ${arn}`, () =>
    dynamoClient(region).send(new DescribeExportCommand({ ExportArn: arn })),
  );
  const e = out.ExportDescription;
  if (e?.ExportStatus !== 'COMPLETED' || !e.ExportTime)
    throw new InvalidResourceStateError(
      `DynamoDB export ${arn} is ${e?.ExportStatus ?? 'unknown'}: only a completed export is copied`,
    );
  return { exportTime: e.ExportTime, prefix: e.S3Prefix };
}

/** Starts (or, with the same client token, finds) the DR export of a table's export. */
export async function copyExport(
  resource: ResourceRef,
  request: CopyRequest,
): Promise<{ copyIds: string[]; reused: boolean } | { notCopied: string } | { refused: string }> {
  if (!request.recoveryBucket) return { notCopied: notARecoveryRegion(request.region) };
  const bucket = request.recoveryBucket;
  const [exportArn] = request.backupIds;
  if (!exportArn) throw new InvalidResourceStateError(`no export recorded for ${resource.id}`);
  const original = await originalExport(resource.region, exportArn);
  const context = `DynamoDB ExportTableToPointInTime ${resource.id} to ${bucket} (${request.region})`;
  try {
    const out = await dynamoClient(resource.region).send(
      new ExportTableToPointInTimeCommand({
        TableArn: resource.arn,
        // The original's point in time: the copy holds the same data, whenever it is made.
        ExportTime: original.exportTime,
        S3Bucket: bucket,
        ...(original.prefix ? { S3Prefix: original.prefix } : {}),
        ExportFormat: 'DYNAMODB_JSON',
        S3SseAlgorithm: 'AES256',
        ClientToken: exportCopyClientToken(request.runId, resource.arn, request.region),
      }),
    );
    const arn = out.ExportDescription?.ExportArn;
    if (!arn) throw new InvalidResourceStateError(`DynamoDB returned no export for ${resource.id}`);
    return { copyIds: [arn, exportDataLocation(bucket, original.prefix, arn)], reused: false };
  } catch (error) {
    if (error instanceof InvalidResourceStateError) throw error;
    // Past the table's PITR window (a copy retried for days): this point in time cannot be exported again.
    if (awsErrorName(error) === 'InvalidExportTimeException')
      return {
        refused: `the export's point in time is outside ${resource.id}'s point-in-time recovery window: it cannot be exported again`,
      };
    rethrowAws(context, error);
  }
}
