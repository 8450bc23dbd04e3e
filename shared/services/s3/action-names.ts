/** The IAM action an S3 call is authorized as, where it is not `s3:<the call's name>` (Service Authorization Reference, Amazon S3). */
export const S3_ACTION_OF_CALL: Readonly<Record<string, string>> = {
  ListBuckets: 'ListAllMyBuckets',
  HeadBucket: 'ListBucket',
  GetBucketReplication: 'GetReplicationConfiguration',
  PutBucketReplication: 'PutReplicationConfiguration',
  ListObjectVersions: 'ListBucketVersions',
  ListObjectsV2: 'ListBucket',
  // DeleteObjects is authorized per object; with a VersionId as s3:DeleteObjectVersion.
  DeleteObjects: 'DeleteObjectVersion',
};
