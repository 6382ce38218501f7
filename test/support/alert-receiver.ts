import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedAlert {
  kind: string;
  severity: string;
  lane?: string;
  subject: string;
  message: string;
  details?: Record<string, unknown>;
}

/** An alert webhook that records what it receives (CIVICOS_ALERT_WEBHOOK in tests). */
export async function startAlertReceiver(): Promise<{ url: string; alerts: ReceivedAlert[]; bodies: string[]; close(): Promise<void> }> {
  const alerts: ReceivedAlert[] = [];
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      bodies.push(body);
      alerts.push(JSON.parse(body) as ReceivedAlert);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    alerts,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
