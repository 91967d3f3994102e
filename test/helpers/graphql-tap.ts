/**
 * A loopback HTTP proxy in front of the fake OpenCTI's GraphQL endpoint, for crash tests: it
 * forwards every request and, when `onCall` says so for a request body, lets the platform execute
 * the call and then drops the connection instead of answering (after running `onCall`'s action),
 * so the caller dies or fails without learning that the call happened.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GraphqlTap {
  url: string;
  close(): Promise<void>;
}

/** `intercept(body)` returns an action to run once the platform has answered, or null to pass the answer on. */
export async function startGraphqlTap(target: string, intercept: (body: string) => (() => Promise<void> | void) | null): Promise<GraphqlTap> {
  const upstream = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = intercept(body.toString('utf8'));
      const out = request(
        { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            if (action) {
              void Promise.resolve(action()).finally(() => req.socket.destroy());
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      out.on('error', () => req.socket.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
