/**
 * DynamoDB's control plane on the emulator (AWS JSON 1.0, `X-Amz-Target: DynamoDB_20120810.<Action>`):
 * the fleet's tables, their tags, on-demand backups and exports, answered by the AWS model. Every
 * other DynamoDB request (the pipeline's own state table: items, queries, its DescribeTable) is not
 * accepted here and goes through to dynalite, so one endpoint serves both, as AWS does.
 * Timestamps are epoch seconds and errors `{"__type": "...#Code"}`, as the SDK's deserializer expects.
 */
import type { AwsModel } from '../model';
import { type JsonAction, type JsonInput, jsonService } from './json';
import type { ServiceHandler } from './server';

/** DynamoDB's control-plane actions the model answers; the workflow tests' SDK mocks answer the same. */
export const DYNAMODB_CONTROL_ACTIONS: Record<string, JsonAction> = {
  ListTables: (m, r, i) => m.listTables(r, i),
  DescribeTable: (m, r, i) => m.describeTable(r, i),
  ListTagsOfResource: (m, r, i) => m.listTagsOfResource(r, i),
  CreateBackup: (m, r, i) => m.createBackup(r, i),
  DescribeBackup: (m, r, i) => m.describeBackup(r, i),
  ListBackups: (m, r, i) => m.listBackups(r, i),
  DeleteBackup: (m, r, i) => m.deleteBackup(r, i),
  ExportTableToPointInTime: (m, r, i) => m.exportTableToPointInTime(r, i),
  DescribeExport: (m, r, i) => m.describeExport(r, i),
  // Restores (local/model/dynamodb-restore.ts): what they make are model tables too.
  RestoreTableFromBackup: (m, r, i) => m.restoreTableFromBackup(r, i),
  DeleteTable: (m, r, i) => m.deleteTable(r, i),
  TagResource: (m, r, i) => m.tagResource(r, i),
  UntagResource: (m, r, i) => m.untagResource(r, i),
  ImportTable: (m, r, i) => m.importTable(r, i),
  DescribeImport: (m, r, i) => m.describeImport(r, i),
  ListImports: (m, r, i) => m.listImports(r, i),
};

/**
 * Whether the model (not dynalite) answers a DynamoDB request: one of the actions above and, for one that
 * names a table (DescribeTable, DeleteTable by name; TagResource, UntagResource by ARN), a model table.
 * The state table is dynalite's: its DescribeTable, a DeleteTable or a tag change of it go through.
 * The emulator and the workflow tests' SDK wiring (tests/support/model-sdk-mocks.ts) route by this.
 */
export function modelAnswers(model: AwsModel, region: string, action: string, input: JsonInput | undefined): boolean {
  if (!(action in DYNAMODB_CONTROL_ACTIONS)) return false;
  if (action === 'DescribeTable' || action === 'DeleteTable') return model.hasDynamoTable(region, input?.TableName);
  if (action === 'TagResource' || action === 'UntagResource') {
    const arn = /^arn:[^:]+:dynamodb:([^:]+):[^:]+:table\/([^/]+)$/.exec(String(input?.ResourceArn ?? ''));
    return arn?.[1] === region && model.hasDynamoTable(region, arn[2]);
  }
  return true;
}

export function dynamoDbService(model: AwsModel): ServiceHandler {
  return jsonService(model, {
    version: '1.0',
    actions: DYNAMODB_CONTROL_ACTIONS,
    unknownActionCode: 'UnknownOperationException',
    errorType: (code) => `com.amazonaws.dynamodb.v20120810#${code}`,
    accepts: (request) => modelAnswers(model, request.region, request.action, request.json as JsonInput | undefined),
  });
}
