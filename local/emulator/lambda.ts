/**
 * Lambda on the emulator (REST-JSON): `POST /2015-03-31/functions/{FunctionName}/invocations`, answered
 * by the model's functions (a drill's validation function). A function error is status 200 with the
 * `X-Amz-Function-Error` header, as AWS answers; any other request is UnknownOperationException.
 */
import { AwsApiError, type AwsModel } from '../model';
import type { ServiceHandler, ServiceResponse } from './server';

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

function errorResponse(error: AwsApiError): ServiceResponse {
  return {
    status: error.status,
    contentType: 'application/json',
    headers: { 'x-amzn-errortype': error.code },
    body: JSON.stringify({ Type: 'User', message: error.message }),
  };
}

export function lambdaService(model: AwsModel): ServiceHandler {
  return {
    async handle(request) {
      const match = INVOKE.exec(request.path.split('?')[0] ?? '');
      try {
        if (!match || request.method !== 'POST')
          throw new AwsApiError('UnknownOperationException', `${request.method} ${request.path} is not emulated`);
        const out = await model.invoke(request.region, {
          FunctionName: decodeURIComponent(match[1] ?? ''),
          Payload: request.body,
        });
        return {
          status: out.StatusCode,
          contentType: 'application/json',
          headers: {
            'x-amz-executed-version': '$LATEST',
            ...(out.FunctionError ? { 'x-amz-function-error': out.FunctionError } : {}),
          },
          body: out.Payload,
        };
      } catch (error) {
        if (error instanceof AwsApiError) return errorResponse(error);
        throw error;
      }
    },
  };
}
