/**
 * S3 on the emulator (REST-XML, path-style as the SDK sends it to an IP endpoint): the bucket calls
 * the sandbox makes so DynamoDB exports have somewhere to go. HeadBucket (200, or 404 with no body, as
 * S3 answers a HEAD) and CreateBucket (`CreateBucketConfiguration.LocationConstraint` read from the
 * XML body); any other request gets S3's NotImplemented error document.
 */
import { randomUUID } from 'node:crypto';
import { XMLBuilder } from 'fast-xml-parser';
import { AwsApiError, type AwsModel } from '../model';
import type { ServiceHandler, ServiceResponse } from './server';

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true });

function errorDocument(error: AwsApiError, bucket: string): ServiceResponse {
  const requestId = randomUUID();
  return {
    status: error.status,
    contentType: 'application/xml',
    headers: { 'x-amz-request-id': requestId },
    body: builder.build({
      Error: { Code: error.code, Message: error.message, BucketName: bucket, RequestId: requestId },
    }),
  };
}

export function s3Service(model: AwsModel): ServiceHandler {
  return {
    async handle(request) {
      const [pathname = '/', query = ''] = request.path.split('?');
      const bucket = decodeURIComponent(pathname.split('/')[1] ?? '');
      const isBucketCall = bucket !== '' && pathname.replace(/\/$/, '') === `/${bucket}` && query === '';
      try {
        if (isBucketCall && request.method === 'HEAD') {
          const found = model.s3Buckets.get(bucket);
          // A HEAD answer has no body: the SDK reads the status (404 -> NotFound).
          if (!found) return { status: 404, contentType: 'application/xml', body: '' };
          return {
            status: 200,
            contentType: 'application/xml',
            body: '',
            headers: { 'x-amz-bucket-region': found.region },
          };
        }
        if (isBucketCall && request.method === 'PUT') {
          const constraint = /<LocationConstraint>([^<]*)<\/LocationConstraint>/.exec(request.body)?.[1];
          const created = model.createBucket(constraint || 'us-east-1', bucket);
          return { status: 200, contentType: 'application/xml', body: '', headers: { location: created.Location } };
        }
        throw new AwsApiError(
          'NotImplemented',
          `The local emulator does not implement ${request.method} ${request.path} on S3.`,
          501,
        );
      } catch (error) {
        if (error instanceof AwsApiError) return errorDocument(error, bucket);
        throw error;
      }
    },
  };
}
