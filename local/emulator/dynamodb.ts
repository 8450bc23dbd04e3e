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
};

export function dynamoDbService(model: AwsModel): ServiceHandler {
  return jsonService(model, {
    version: '1.0',
    actions: DYNAMODB_CONTROL_ACTIONS,
    unknownActionCode: 'UnknownOperationException',
    errorType: (code) => `com.amazonaws.dynamodb.v20120810#${code}`,
    accepts(request) {
      if (!(request.action in DYNAMODB_CONTROL_ACTIONS)) return false;
      // The state table is dynalite's: a DescribeTable of a table the fleet lacks goes through.
      if (request.action === 'DescribeTable')
        return model.hasDynamoTable(request.region, (request.json as JsonInput | undefined)?.TableName);
      return true;
    },
  });
}
