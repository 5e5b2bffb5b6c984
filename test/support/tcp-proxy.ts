import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP relay in front of a server, to cut a client's connection the way a network
 * does (both ends see a reset, nothing is said) and to keep the address refusing for a while.
 */
export class TcpProxy {
  private listener: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly targetPort: number) {}

  /** Listens on `port` (a free one on first call; the same one again after `cut`). */
  async listen(): Promise<void> {
    const listener = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(from);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.sockets.delete(from);
          to.destroy();
        });
        from.pipe(to);
      }
    });
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.port, '127.0.0.1', resolve);
    });
    this.listener = listener;
    this.port = (listener.address() as { port: number }).port;
  }

  /** Resets every relayed connection and stops listening: the address refuses connections. */
  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.resetAndDestroy();
    const listener = this.listener;
    this.listener = null;
    await new Promise((resolve) => (listener ? listener.close(resolve) : resolve(undefined)));
  }

  close(): Promise<void> {
    return this.cut();
  }
}
