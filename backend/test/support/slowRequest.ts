import { request } from 'node:http';

export interface HeldRequest {
  /** Sends the rest of the body; the answer arrives through `response`. */
  finish(): void;
  response: Promise<{ status: number; body: any; headers: Record<string, string | string[] | undefined> }>;
}

/**
 * A POST whose body stops half way, so the request stays in flight on the server (headers read, handler
 * waiting for the body) until `finish()` — a stand-in for a slow client or a slow handler.
 */
export function holdRequest(url: string, path: string, token: string, json: unknown): HeldRequest {
  const body = Buffer.from(JSON.stringify(json));
  const req = request(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(body.length) },
  });
  const response = new Promise<Awaited<HeldRequest['response']>>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, headers: res.headers }));
    });
  });
  req.write(body.subarray(0, 5));
  let isFinished = false;
  return {
    finish: () => {
      if (isFinished) return;
      isFinished = true;
      req.end(body.subarray(5));
    },
    response,
  };
}
