/**
 * The emulator's HTTP server on 127.0.0.1: one port answers every service the sandbox emulates, as
 * AWS does behind one endpoint per service. Requests are routed by protocol: AWS JSON (X-Amz-Target,
 * e.g. Step Functions), AWS Query (form body with Action=, e.g. EC2, RDS, SNS, STS) or REST (S3, by
 * method and path), with the service and region read from the SigV4 credential scope, exactly what
 * the SDK signs.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServiceRequest {
  service: string;
  region: string;
  action: string;
  /** Query protocol: the decoded form parameters (flat, e.g. "Filter.1.Name"). */
  params: URLSearchParams;
  /** JSON protocol: the parsed body. */
  json: unknown;
  headers: IncomingMessage['headers'];
  /** REST protocols (S3) route by method and path. */
  method: string;
  path: string;
  body: string;
}

export interface ServiceResponse {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/** One emulated service: answers one protocol's actions. Throwing AwsApiError-like errors is fine. */
export interface ServiceHandler {
  handle(request: ServiceRequest): Promise<ServiceResponse>;
  /**
   * For a service that is also proxied (DynamoDB: the state table lives in dynalite): true for the
   * requests this handler answers; the rest go through to the proxy.
   */
  accepts?(request: ServiceRequest): boolean;
}

export interface EmulatorServer {
  endpoint: string;
  port: number;
  register(service: string, handler: ServiceHandler): void;
  /**
   * Forwards a service's requests untouched to another endpoint (DynamoDB to dynalite), so one URL serves
   * all. With `regions`, only requests signed for those regions go through (the state table exists in
   * its home region and its global table replicas' regions); elsewhere the proxy answers `notThere`.
   */
  proxy(service: string, target: string, options?: { regions?: readonly string[]; notThere?: ServiceResponse }): void;
  /**
   * A region lost (the region-loss game day): every request signed for it, to any service, the proxied
   * state table included, gets its connection closed without an answer, as an unreachable endpoint does.
   */
  loseRegion(region: string): void;
  /** Requests refused because their region was lost, by region: proof that a recovery did not reach it. */
  readonly lostRegionCalls: ReadonlyMap<string, number>;
  /**
   * Requests forwarded to a proxy, by `service:Action` (the state table's calls to dynalite): what the
   * table bills, counted where it passes, for the bench's DynamoDB capacity figures.
   */
  readonly proxiedCalls: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/** `Credential=AKID/20261122/eu-west-1/ec2/aws4_request` -> { region, service } */
export function credentialScope(headers: IncomingMessage['headers']): { region?: string; service?: string } {
  const auth = headers.authorization ?? '';
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
  return match ? { region: match[1], service: match[2] } : {};
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One kept-alive connection pool to the proxied service (fetch cost ~3 ms a call here; this ~1). */
const proxyAgent = new Agent({ keepAlive: true, maxSockets: 64 });

/** Forwards a request untouched (bar hop-by-hop headers) and streams the answer back. */
function forward(req: IncomingMessage, body: string, target: URL, res: ServerResponse): Promise<void> {
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && k !== 'host' && k !== 'connection'),
  ) as Record<string, string>;
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      target,
      { method: req.method ?? 'POST', headers: { ...headers, host: target.host }, agent: proxyAgent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', resolve);
        answer.on('error', reject);
      },
    );
    upstream.on('error', reject);
    upstream.end(req.method === 'GET' || req.method === 'HEAD' ? undefined : body);
  });
}

/** AWS JSON (X-Amz-Target) or AWS Query (form `Action=`), service and region from the SigV4 scope. */
function parseRequest(
  req: IncomingMessage,
  body: string,
  scope: { region?: string; service?: string },
  defaultRegion: string,
): ServiceRequest {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const [prefix, action = ''] = target.split('.');
    let json: unknown = {};
    try {
      json = body ? JSON.parse(body) : {};
    } catch {
      json = undefined;
    }
    return {
      service: scope.service ?? (prefix === 'AWSStepFunctions' ? 'states' : (prefix ?? '')),
      region: scope.region ?? defaultRegion,
      action,
      params: new URLSearchParams(),
      json,
      headers: req.headers,
      method: req.method ?? 'POST',
      path: req.url ?? '/',
      body,
    };
  }
  const params = new URLSearchParams(req.method === 'GET' ? ((req.url ?? '').split('?')[1] ?? '') : body);
  return {
    service: scope.service ?? '',
    region: scope.region ?? defaultRegion,
    action: params.get('Action') ?? '',
    params,
    json: undefined,
    headers: req.headers,
    method: req.method ?? 'POST',
    path: req.url ?? '/',
    body,
  };
}

export async function startEmulatorServer(options: {
  port?: number;
  defaultRegion: string;
  /**
   * The sandbox's clock: every answer's `Date` header tells it, as AWS's tell the service's time, so a
   * client names what it starts (a run id) by the clock the records are written with.
   */
  now?: () => Date;
}): Promise<EmulatorServer> {
  const services = new Map<string, ServiceHandler>();
  const proxies = new Map<string, { target: string; regions?: readonly string[]; notThere?: ServiceResponse }>();
  const lostRegions = new Set<string>();
  const lostRegionCalls = new Map<string, number>();
  const proxiedCalls = new Map<string, number>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const scope = credentialScope(req.headers);
    const request = parseRequest(req, body, scope, options.defaultRegion);
    if (lostRegions.has(request.region)) {
      lostRegionCalls.set(request.region, (lostRegionCalls.get(request.region) ?? 0) + 1);
      req.socket.destroy();
      return;
    }
    const handler = services.get(request.service);
    const proxy = scope.service ? proxies.get(scope.service) : undefined;
    if (proxy && !handler?.accepts?.(request)) {
      if (proxy.regions && !proxy.regions.includes(request.region) && proxy.notThere) {
        const out = proxy.notThere;
        res.writeHead(out.status, { 'content-type': out.contentType, ...out.headers });
        res.end(out.body);
        return;
      }
      const key = `${request.service}:${request.action}`;
      proxiedCalls.set(key, (proxiedCalls.get(key) ?? 0) + 1);
      await forward(req, body, new URL(req.url ?? '/', proxy.target), res);
      return;
    }
    if (!handler) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(
        `The local emulator does not serve "${request.service || 'unknown'}" (action ${request.action || 'none'}).`,
      );
      return;
    }
    const out = await handler.handle(request);
    // No x-amzn-requestid header: the request id is in the body, as the protocol puts it, and must not differ.
    const date = options.now ? { date: options.now().toUTCString() } : {};
    res.writeHead(out.status, { 'content-type': out.contentType, ...date, ...out.headers });
    res.end(out.body);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`emulator error: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    register: (service, handler) => services.set(service, handler),
    proxy: (service, target, proxyOptions) => proxies.set(service, { target, ...proxyOptions }),
    loseRegion: (region) => lostRegions.add(region),
    lostRegionCalls,
    proxiedCalls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
