/** Reads a request body, or returns null as soon as it exceeds `limit` bytes (a hostile sender cannot fill memory). */
import type { IncomingMessage } from 'node:http';

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
