/**
 * DynamoDB's control plane on the emulator (AWS JSON 1.0, `X-Amz-Target: DynamoDB_20120810.<Action>`):
 * the fleet's tables, their tags, on-demand backups and exports, answered by the AWS model. Every
 * other DynamoDB request (the pipeline's own state table: items, queries, its DescribeTable) is not
 * accepted here and goes through to dynalite, so one endpoint serves both, as AWS does.
 * Timestamps are epoch seconds and errors `{"__type": "...#Code"}`, as the SDK's deserializer expects.
 */
import { AwsApiError, type AwsModel } from '../aws-model';
import type { ServiceHandler, ServiceRequest, ServiceResponse } from './server';

type Input = Record<string, unknown>;

/** DynamoDB's control-plane actions the model answers; the workflow tests' SDK mocks answer the same. */
export const DYNAMODB_CONTROL_ACTIONS: Record<string, (model: AwsModel, region: string, input: Input) => unknown> = {
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

const json = (body: unknown, status = 200): ServiceResponse => ({
  status,
  contentType: 'application/x-amz-json-1.0',
  body: JSON.stringify(body),
});

/** JSON.stringify calls Date#toJSON before a replacer sees the Date, so convert first. */
function epochSeconds(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(epochSeconds);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, epochSeconds(v)]));
  return value;
}

export function dynamoDbService(model: AwsModel): ServiceHandler {
  return {
    accepts(request: ServiceRequest) {
      if (!(request.action in DYNAMODB_CONTROL_ACTIONS)) return false;
      // The state table is dynalite's: a DescribeTable of a table the fleet lacks goes through.
      if (request.action === 'DescribeTable') {
        return model.hasDynamoTable(request.region, (request.json as Input | undefined)?.TableName);
      }
      return true;
    },
    async handle(request) {
      try {
        const action = DYNAMODB_CONTROL_ACTIONS[request.action];
        if (!action)
          throw new AwsApiError('UnknownOperationException', `The sandbox does not implement ${request.action}`);
        if (typeof request.json !== 'object' || request.json === null)
          throw new AwsApiError('SerializationException', 'The request body is not a JSON object');
        return json(epochSeconds(action(model, request.region, request.json as Input)));
      } catch (error) {
        if (error instanceof AwsApiError)
          return json(
            { __type: `com.amazonaws.dynamodb.v20120810#${error.code}`, message: error.message },
            error.status,
          );
        throw error;
      }
    },
  };
}
