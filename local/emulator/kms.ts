/**
 * KMS on the emulator (AWS JSON 1.1, `X-Amz-Target: TrentService.<Action>`): DescribeKey, which the
 * pipeline calls to check a copy's destination key before it starts copying. Keys live in the AWS model
 * per region; timestamps are epoch seconds and errors `{"__type": "NotFoundException"}`, as KMS sends
 * them, so the SDK raises its own NotFoundException.
 */
import type { AwsModel } from '../model';
import { type JsonAction, jsonService } from './json';
import type { ServiceHandler } from './server';

/** The actions the model answers (the workflow tests' SDK mocks answer the same ones). */
export const KMS_ACTIONS: Record<string, JsonAction> = {
  DescribeKey: (m, r, i) => m.describeKey(r, i as Parameters<AwsModel['describeKey']>[1]),
};

export function kmsService(model: AwsModel): ServiceHandler {
  return jsonService(model, {
    version: '1.1',
    actions: KMS_ACTIONS,
    unknownActionCode: 'UnsupportedOperationException',
  });
}
