import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

/**
 * Temporal's remote codec protocol, for the Web UI (and `temporal --codec-endpoint`): `POST
 * /encode` and `POST /decode` with `{"payloads":[{"metadata":{"k":"<base64>"},"data":"<base64>"}]}`,
 * answered in the same shape. The browser calls it from the UI's page, so CORS admits the UI's
 * origin(s) only, and the preflight allows the headers the UI sends (`X-Namespace`,
 * `Content-Type`, `Authorization`). It listens on loopback: it turns ciphertext into plaintext.
 */
export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Exact origins allowed to call it, e.g. http://127.0.0.1:8233 (the Web UI). */
  uiOrigins: string[];
  port: number;
  host?: string;
  /** Largest request body accepted (default 16 MiB). */
  maxBodyBytes?: number;
}

export interface CodecServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization';

export function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const origins = new Set(options.uiOrigins.map((origin) => origin.replace(/\/+$/, '')));
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    const allowed = origin !== undefined && origins.has(origin);
    res.setHeader('Vary', 'Origin');
    if (allowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    // A browser page from any other origin gets no CORS grant and a 403, so it cannot read decoded payloads.
    if (origin !== undefined && !allowed) return reply(res, 403, { message: `origin ${origin} is not the Web UI's (allowed: ${[...origins].join(', ')})` });
    const route = (req.url ?? '').split('?')[0]!.replace(/\/+$/, '');
    const operation = route === '/encode' ? 'encode' : route === '/decode' ? 'decode' : undefined;
    if (req.method === 'OPTIONS') {
      if (!operation) return reply(res, 404, { message: `no route ${route}` });
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.writeHead(204).end();
      return;
    }
    if (!operation) return reply(res, 404, { message: `no route ${route}; use POST /encode or POST /decode` });
    if (req.method !== 'POST') return reply(res, 405, { message: 'use POST' });
    void readBody(req, maxBody).then(
      async (body) => {
        let payloads: Payload[];
        try {
          payloads = fromJson(JSON.parse(body));
        } catch (error) {
          return reply(res, 400, { message: `expected {"payloads":[{"metadata":{…},"data":"<base64>"}]}: ${(error as Error).message}` });
        }
        try {
          const out = await options.codec[operation](payloads);
          reply(res, 200, { payloads: out.map(toJson) });
        } catch (error) {
          reply(res, 422, { message: `${operation} failed: ${(error as Error).message}` });
        }
      },
      (error: Error) => reply(res, 413, { message: error.message }),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${options.host ?? '127.0.0.1'}:${port}`,
        port,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function readBody(req: http.IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new Error(`request body over ${maxBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function fromJson(body: unknown): Payload[] {
  const payloads = (body as { payloads?: unknown })?.payloads;
  if (!Array.isArray(payloads)) throw new Error('payloads: expected an array');
  return payloads.map((raw: JsonPayload, index) => {
    if (typeof raw !== 'object' || raw === null) throw new Error(`payloads[${index}]: expected an object`);
    const metadata = Object.fromEntries(Object.entries(raw.metadata ?? {}).map(([key, value]) => [key, Buffer.from(String(value), 'base64')]));
    return { metadata, data: Buffer.from(raw.data ?? '', 'base64') };
  });
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}
