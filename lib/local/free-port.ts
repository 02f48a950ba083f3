import { createServer } from 'node:net';

/**
 * A loopback port free at the time of asking, for a program that must be told its port (one
 * that cannot listen on port 0 and say which it got). Another process may take it meanwhile:
 * callers retry on another.
 */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
