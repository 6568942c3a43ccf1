import { createServer, connect, type Socket } from 'node:net';

export interface FaultProxy {
  port: number;
  /** Delay every chunk in both directions by this many milliseconds (0: none). */
  setDelay(ms: number): void;
  /** Connections currently open through the proxy (each counts its two sockets once). */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy that can make a dependency slow without touching it: each chunk is forwarded `delay` ms after it
 * arrived, in order. That is added latency, not a slower link: chunks arriving together leave together, rather than
 * each waiting behind the previous one's delay. Test tooling for fault injection (test/faults.test.ts and the game
 * days in chaos/).
 */
export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
  let delay = 0;
  const sockets = new Set<Socket>();
  const pipe = (from: Socket, to: Socket) => {
    let chain = Promise.resolve();
    from.on('data', (chunk) => {
      const due = Date.now() + delay;
      chain = chain.then(async () => {
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (!to.destroyed) to.write(chunk);
      });
    });
    from.on('close', () => void chain.then(() => to.destroy()));
    from.on('error', () => to.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    setDelay: (ms) => (delay = ms),
    connections: () => sockets.size / 2,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
