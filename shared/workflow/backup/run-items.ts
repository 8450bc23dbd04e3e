/**
 * The run's item list outside the payload: Plan writes the resource refs the Map backs up to the
 * stack's bucket, and the Distributed Map reads them with ItemReader (its results go beside them with
 * ResultWriter). At 10,000 resources the list is over 1.6 MiB, far past the 256 KiB of a state's
 * input or output; what travels in `$.plan` is only where the list is.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { RUN_PREFIX } from '../../names';
import type { ResourceRef } from '../../resource';

/** Where a run's items and results are: `$.plan.items` in the execution. */
export interface RunItemsLocation {
  bucket: string;
  /** `runs/<runId>/items.json`: a JSON array of resource refs, the ItemReader's object. */
  key: string;
  /** `runs/<runId>/results`: where the Map's ResultWriter writes its manifest and result files. */
  resultsPrefix: string;
  /** Items in the object (the Map's child executions). */
  count: number;
}

export const runItemsKey = (runId: string): string => `${RUN_PREFIX}/${runId}/items.json`;
export const runResultsPrefix = (runId: string): string => `${RUN_PREFIX}/${runId}/results`;

/**
 * Writes the item list. Idempotent: a retried Plan (same run id, same resolution) writes the same key
 * with the same bytes, and a rewrite with other content replaces it before the Map ever reads it.
 */
export async function writeRunItems(
  s3: S3Client,
  request: { bucket: string; runId: string; items: readonly ResourceRef[] },
): Promise<RunItemsLocation> {
  const key = runItemsKey(request.runId);
  await s3.send(
    new PutObjectCommand({
      Bucket: request.bucket,
      Key: key,
      Body: JSON.stringify(request.items),
      ContentType: 'application/json',
      // The bucket's default is SSE-S3 too; naming it makes an object written elsewhere encrypted as well.
      ServerSideEncryption: 'AES256',
    }),
  );
  return { bucket: request.bucket, key, resultsPrefix: runResultsPrefix(request.runId), count: request.items.length };
}
