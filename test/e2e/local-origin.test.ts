import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from './support.ts';

/**
 * The laptop runtime answers only requests addressed to itself, and keeps its operator routes
 * from cross-site browser requests: a web page the operator visits cannot reach them through
 * DNS rebinding or a simple cross-site POST.
 */

let test: TestRuntime;
let tunnel: TestRuntime;
beforeAll(async () => {
  [test, tunnel] = await Promise.all([
    startTestRuntime(),
    startTestRuntime({ allowedHosts: ['abc.tunnel.example'] }),
  ]);
});
afterAll(async () => {
  await Promise.all([test?.stop(), tunnel?.stop()]);
});

/** A raw request, so `Host`, `Origin` and `Sec-Fetch-Site` are exactly what a browser sends. */
const send = (
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; message: string }> =>
  new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => {
          let message = '';
          try {
            message = String((JSON.parse(text) as { message?: unknown }).message ?? '');
          } catch {}
          resolve({ status: res.statusCode ?? 0, message });
        });
      },
    );
    req.on('error', reject);
    req.end(method === 'POST' ? '' : undefined);
  });

const own = () => new URL(test.url).host;

describe('the local runtime answers only itself', () => {
  it('refuses a request whose Host is another name (DNS rebinding), saying why', async () => {
    const answer = await send(test.url, 'GET', '/integrations', {
      host: `evil.example:${new URL(test.url).port}`,
    });
    expect(answer.status).toBe(403);
    expect(answer.message).toMatch(
      /Host "evil\.example:\d+" is not this runtime's address .*ALLOWED_HOSTS/,
    );
  });

  it('refuses a cross-site POST to an operator route', async () => {
    const byOrigin = await send(test.url, 'POST', '/dlq/redrive', {
      host: own(),
      origin: 'https://evil.example',
    });
    expect(byOrigin.status).toBe(403);
    expect(byOrigin.message).toMatch(
      /cross-site request \(Origin "https:\/\/evil\.example"\) to an operator route/,
    );
    const bySite = await send(test.url, 'POST', '/quarantine/x/replay', {
      host: own(),
      'sec-fetch-site': 'cross-site',
    });
    expect(bySite.status).toBe(403);
    expect(bySite.message).toMatch(/Sec-Fetch-Site "cross-site"/);
  });

  it('answers its own address, localhost included, and same-origin requests', async () => {
    const port = new URL(test.url).port;
    expect((await send(test.url, 'GET', '/integrations', { host: own() })).status).toBe(200);
    expect(
      (await send(test.url, 'GET', '/integrations', { host: `localhost:${port}` })).status,
    ).toBe(200);
    const sameOrigin = await send(test.url, 'GET', '/integrations', {
      host: own(),
      origin: `http://${own()}`,
      'sec-fetch-site': 'same-origin',
    });
    expect(sameOrigin.status).toBe(200);
  });

  it('leaves webhook routes to other sites, and answers hosts listed in ALLOWED_HOSTS', async () => {
    const webhook = await send(test.url, 'POST', '/webhooks/happycolis', {
      host: own(),
      origin: 'https://elsewhere.example',
    });
    expect(webhook.status).toBe(401);
    const viaTunnel = await send(tunnel.url, 'GET', '/integrations', {
      host: 'abc.tunnel.example',
    });
    expect(viaTunnel.status).toBe(200);
  });
});
