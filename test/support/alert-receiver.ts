import * as http from 'node:http';
import { freePort } from '../../deploy/temporal/dev-server';

export interface ReceivedAlert {
  kind: string;
  severity: string;
  lane?: string;
  subject: string;
  message: string;
  details?: Record<string, unknown>;
}

/** A local webhook that collects POSTed alerts. */
export async function startAlertReceiver(): Promise<{ url: string; alerts: ReceivedAlert[]; close(): Promise<void> }> {
  const alerts: ReceivedAlert[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      alerts.push(JSON.parse(body) as ReceivedAlert);
      res.writeHead(204).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/alerts`, alerts, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
