/**
 * Rendezvous for ranks started by a foreign launcher (srun, mpirun, mpiexec.hydra), which
 * gives them no lifeline to a tsmpirun: rank 0 collects every rank's inbox address and
 * hands out the table.
 *
 * - Port: derived from the job key, `20000 + sha256(jobKey) mod 10000`; when it is busy
 *   rank 0 takes the next of {@link CANDIDATES} consecutive ports (wrapping inside the
 *   range). The other ranks probe the same ports in the same order.
 * - Which job: on accepting, rank 0 sends `challenge {tag, nonce}` where `tag` is a public
 *   hash of the job key. A rank that finds another tag (another job got that port first)
 *   or a silent service moves on to the next port; a refused port too. When no port
 *   answers it starts again after a short back-off, until the deadline: rank 0 may be
 *   slow to start.
 * - Who: `hello {rank, port, nonce, mac}`, the mac an HMAC with the job's auth key over
 *   rank 0's nonce, so only a process that holds the job's secret can join, and a
 *   recorded hello cannot be replayed. Rank 0 answers at once `welcome {mac}`, the mac over
 *   the rank's own nonce: rank 0 proves it holds the secret too. A rank that gets no valid
 *   welcome within {@link PROBE_MS} (a squatter on the port that copies the public tag, a
 *   rank 0 with another secret) does not trust that port and moves on to the next, so a
 *   local user listening on a job's port cannot stop it. Later `table {peers, mac}` (mac
 *   over the rank's nonce again) hands out the addresses. A rank's tcp address is the
 *   address its connection came from (rank 0 sees it), its port the one it announced.
 * - Afterwards the connections stay open (not keeping the process alive) as a star of
 *   lifelines: a rank that ends without `bye` (crash, kill, uncaught error) is noticed by
 *   rank 0, and rank 0's end by everyone, so no rank waits forever for a dead peer even
 *   when the launcher would let it.
 *
 * Messages are JSON lines over plain TCP (node:net); nothing here is secret, so only
 * integrity is protected.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { MpiError } from '../errors.js';
import { readJsonLines } from '../util/lines.js';
import type { RankAddress } from './transport.js';

/** How many consecutive ports rank 0 tries (and the others probe). */
export const CANDIDATES = 16;
const PORT_BASE = 20000;
const PORT_RANGE = 10000;
/** How long a rank waits for a port's challenge, and then for rank 0's proof. */
export const PROBE_MS = 3000;

/** Longest line kept while waiting for its newline: rendezvous messages are far smaller. */
const MAX_LINE_CHARS = 1 << 20;

/**
 * A rank that found no rank 0 on any port waits this long before trying them again,
 * doubling up to {@link MAX_RETRY_MS}: soon when rank 0 is merely a little late, without
 * probing every port many times a second when it starts much later.
 */
const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 1000;

type Message =
  | { readonly kind: 'challenge'; readonly tag: string; readonly nonce: string }
  | {
      readonly kind: 'hello';
      readonly tag: string;
      readonly rank: number;
      readonly port: number;
      readonly nonce: string;
      readonly mac: string;
    }
  | { readonly kind: 'welcome'; readonly mac: string }
  | { readonly kind: 'table'; readonly peers: readonly RankAddress[]; readonly mac: string }
  | { readonly kind: 'reject'; readonly reason: string }
  | { readonly kind: 'bye' };

export interface RendezvousOptions {
  readonly rank: number;
  readonly size: number;
  readonly jobKey: string;
  /** HMAC key only the job's processes know. */
  readonly authKey: Uint8Array;
  /** Where rank 0 listens (the others connect there). */
  readonly host: string;
  /** A fixed port instead of the derived ones. */
  readonly port?: number;
  /** Rank 0 listens on every interface (multi-node) instead of `host` only. */
  readonly listenAll: boolean;
  /** The tcp port of this rank's (already bound) inbox. */
  readonly inboxPort: number;
  readonly timeoutMs: number;
  /** One line of diagnostics (a rejected connection). */
  readonly log: (line: string) => void;
}

/** The ports rank 0 tries, in order (pure). */
export function rendezvousPorts(jobKey: string, fixed?: number): number[] {
  if (fixed !== undefined) return [fixed];
  const first = createHash('sha256').update(`tsmpi port\n${jobKey}`).digest().readUInt32BE(0) % PORT_RANGE;
  return Array.from({ length: CANDIDATES }, (_, i) => PORT_BASE + ((first + i) % PORT_RANGE));
}

/** The public tag that tells two jobs apart on a port (pure). */
export function jobTag(jobKey: string): string {
  return createHash('sha256').update(`tsmpi tag\n${jobKey}`).digest('hex').slice(0, 32);
}

function mac(key: Uint8Array, ...parts: readonly (string | number)[]): string {
  return createHmac('sha256', key).update(parts.join('\n')).digest('hex');
}

function macOk(expected: string, got: unknown): boolean {
  if (typeof got !== 'string' || got.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(got));
}

function endpoint(host: string, port: number): string {
  const bare = host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
  return `tcp://${bare.includes(':') ? `[${bare}]` : bare}:${port}`;
}

/**
 * One rendezvous connection (rank 0 to a rank): JSON-lines messages read in order with
 * {@link RendezvousConnection.next}, and notice of a peer that goes away without `bye`.
 */
class RendezvousConnection {
  private readonly waiters: ((message: Message | null) => void)[] = [];
  private readonly queue: (Message | null)[] = [];
  ended = false;
  private sawBye = false;
  private lost: (() => void) | null = null;

  constructor(readonly socket: Socket) {
    readJsonLines<Message>(
      socket,
      (message) => {
        if (message?.kind === 'bye') this.sawBye = true;
        this.deliver(message);
      },
      // A foreign service that streams without newlines must not grow the line forever.
      { maxLineChars: MAX_LINE_CHARS, overflow: () => socket.destroy() },
    );
    const end = (): void => {
      if (this.ended) return;
      this.ended = true;
      this.deliver(null);
      if (!this.sawBye) this.lost?.();
    };
    socket.on('close', end);
    socket.on('end', end);
    socket.on('error', end);
  }

  private deliver(message: Message | null): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(message);
    else this.queue.push(message);
  }

  /** The next message; null at end of stream or after `ms`. */
  next(ms?: number): Promise<Message | null> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift() ?? null);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = (message: Message | null): void => {
        if (timer !== undefined) clearTimeout(timer);
        resolve(message);
      };
      this.waiters.push(waiter);
      if (ms !== undefined) {
        timer = setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          resolve(null);
        }, ms);
        timer.unref();
      }
    });
  }

  send(message: Message): void {
    if (!this.ended && !this.socket.destroyed) this.socket.write(`${JSON.stringify(message)}\n`);
  }

  /** Called once if the peer goes away without saying bye. */
  onLost(handler: () => void): void {
    this.lost = handler;
    if (this.ended && !this.sawBye) handler();
  }
}

/**
 * After wire-up: the open rendezvous connections (rank 0 to every rank, a rank to rank 0),
 * used to notice a peer that ended without finalizing.
 */
export class RendezvousLink {
  private said = false;
  constructor(private readonly connections: ReadonlyMap<number, RendezvousConnection>) {
    for (const connection of connections.values()) connection.socket.unref();
  }

  /** `handler(rank)` runs once for the first peer that goes away without `bye`. */
  onLost(handler: (rank: number) => void): void {
    let fired = false;
    for (const [rank, connection] of this.connections) {
      connection.onLost(() => {
        if (fired || this.said) return;
        fired = true;
        handler(rank);
      });
    }
  }

  /** Tell the peers this rank ends normally, and close; repeated calls do nothing. */
  bye(): void {
    if (this.said) return;
    this.said = true;
    for (const connection of this.connections.values()) {
      connection.send({ kind: 'bye' });
      connection.socket.end();
    }
  }
}

/**
 * Run the rendezvous and return every rank's address (index = rank) and the link.
 * @throws ERR_INIT when no port is free (rank 0), rank 0 is not found or not every rank
 *   arrives before the deadline, or the other side fails authentication
 */
export async function rendezvous(options: RendezvousOptions): Promise<{ peers: RankAddress[]; link: RendezvousLink }> {
  return options.rank === 0 ? serve(options) : join(options);
}

async function listen(options: RendezvousOptions): Promise<{ server: Server; port: number }> {
  const address = options.listenAll ? '0.0.0.0' : options.host;
  for (const port of rendezvousPorts(options.jobKey, options.port)) {
    const server = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ port, host: address, exclusive: true }, () => resolve(true));
    });
    if (ok) return { server, port };
    server.close();
  }
  throw new MpiError(
    'ERR_INIT',
    `init: rank 0 found none of the rendezvous ports ${rendezvousPorts(options.jobKey, options.port).join(', ')} free on ${address}; set TSMPI_RENDEZVOUS=host:port`,
  );
}

async function serve(options: RendezvousOptions): Promise<{ peers: RankAddress[]; link: RendezvousLink }> {
  const { server } = await listen(options);
  const tag = jobTag(options.jobKey);
  const joined = new Map<number, { connection: RendezvousConnection; host: string; port: number; local: string; nonce: string }>();
  const logged = new Set<string>();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const missing = Array.from({ length: options.size }, (_, rank) => rank).filter((rank) => rank > 0 && !joined.has(rank));
        reject(
          new MpiError(
            'ERR_INIT',
            `init: rank 0 waited ${options.timeoutMs / 1000} s for ranks ${missing.join(', ')} to join the rendezvous; raise TSMPI_RENDEZVOUS_TIMEOUT if they start slowly`,
          ),
        );
      }, options.timeoutMs);
      const check = (): void => {
        if (joined.size === options.size - 1) {
          clearTimeout(timer);
          resolve();
        }
      };
      check();
      server.on('connection', (socket: Socket) => {
        const connection = new RendezvousConnection(socket);
        const nonce = randomBytes(16).toString('hex');
        connection.send({ kind: 'challenge', tag, nonce });
        void connection.next(options.timeoutMs).then((message) => {
          if (message === null) return void socket.destroy();
          const from = socket.remoteAddress ?? '?';
          const refuse = (reason: string): void => {
            // A refused rank retries (it cannot trust an unproven refusal): say it once.
            const said = `tsmpi: rendezvous: rank 0 refused a connection from ${from}: ${reason}`;
            if (!logged.has(said)) options.log(said);
            logged.add(said);
            connection.send({ kind: 'reject', reason });
            socket.end();
          };
          if (message.kind !== 'hello' || message.tag !== tag) return refuse('not a hello for this job');
          const { rank, port } = message;
          if (!Number.isInteger(rank) || rank < 1 || rank >= options.size || !Number.isInteger(port) || typeof message.nonce !== 'string')
            return refuse('malformed hello');
          if (!macOk(mac(options.authKey, 'hello', nonce, rank, port, message.nonce), message.mac))
            return refuse(`rank ${rank} failed authentication (a process outside the job, or a different TSMPI_SECRET)`);
          if (joined.has(rank)) return refuse(`rank ${rank} joined twice`);
          connection.send({ kind: 'welcome', mac: mac(options.authKey, 'welcome', message.nonce, rank) });
          joined.set(rank, {
            connection,
            host: socket.remoteAddress ?? '127.0.0.1',
            port,
            local: socket.localAddress ?? options.host,
            nonce: message.nonce,
          });
          check();
        });
      });
    });
  } finally {
    server.close();
  }
  const others = Array.from({ length: options.size - 1 }, (_, i) => joined.get(i + 1));
  const peerAt = (rank: number, self: string): RankAddress => {
    if (rank === 0) return { host: self, tcp: endpoint(self, options.inboxPort) };
    const entry = others[rank - 1];
    if (entry === undefined) throw new MpiError('ERR_INTERN', `init: rendezvous lost rank ${rank}`);
    return { host: entry.host, tcp: endpoint(entry.host, entry.port) };
  };
  const connections = new Map<number, RendezvousConnection>();
  for (const [rank, entry] of joined) {
    // Rank 0's address as this rank reached it: the right interface for that rank.
    const peers = Array.from({ length: options.size }, (_, r) => peerAt(r, entry.local));
    entry.connection.send({ kind: 'table', peers, mac: mac(options.authKey, 'table', entry.nonce, JSON.stringify(peers)) });
    connections.set(rank, entry.connection);
  }
  return { peers: Array.from({ length: options.size }, (_, r) => peerAt(r, '127.0.0.1')), link: new RendezvousLink(connections) };
}

function connectOnce(host: string, port: number): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, PROBE_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(null);
    });
  });
}

async function join(options: RendezvousOptions): Promise<{ peers: RankAddress[]; link: RendezvousLink }> {
  const tag = jobTag(options.jobKey);
  const ports = rendezvousPorts(options.jobKey, options.port);
  const deadline = Date.now() + options.timeoutMs;
  /** Per port, why it was not trusted the last time (for the final error). */
  const distrusted = new Map<number, string>();
  let backoffMs = FIRST_RETRY_MS;
  while (Date.now() < deadline) {
    for (const port of ports) {
      const socket = await connectOnce(options.host, port);
      if (socket === null) continue;
      const connection = new RendezvousConnection(socket);
      const challenge = await connection.next(PROBE_MS);
      if (challenge?.kind !== 'challenge' || challenge.tag !== tag || typeof challenge.nonce !== 'string') {
        socket.destroy(); // another job's rank 0, or not tsmpi at all
        continue;
      }
      const nonce = randomBytes(16).toString('hex');
      connection.send({
        kind: 'hello',
        tag,
        rank: options.rank,
        port: options.inboxPort,
        nonce,
        mac: mac(options.authKey, 'hello', challenge.nonce, options.rank, options.inboxPort, nonce),
      });
      // Rank 0 must prove it holds the job's secret before anything it says is believed.
      const welcome = await connection.next(PROBE_MS);
      if (welcome?.kind !== 'welcome' || !macOk(mac(options.authKey, 'welcome', nonce, options.rank), welcome.mac)) {
        socket.destroy();
        const said =
          welcome === null
            ? 'no proof of the job’s secret'
            : welcome.kind === 'reject'
              ? `an unproven refusal (${String(welcome.reason)})`
              : `an unproven '${String(welcome.kind)}'`;
        distrusted.set(port, said);
        continue;
      }
      const answer = await connection.next(Math.max(0, deadline - Date.now()));
      if (answer?.kind === 'reject') throw new MpiError('ERR_INIT', `init: rank 0 refused rank ${options.rank}: ${answer.reason}`);
      if (answer?.kind !== 'table') {
        socket.destroy();
        throw new MpiError(
          'ERR_INIT',
          `init: rank ${options.rank} reached rank 0 at ${options.host}:${port} but got no address table before the deadline`,
        );
      }
      if (!macOk(mac(options.authKey, 'table', nonce, JSON.stringify(answer.peers)), answer.mac)) {
        socket.destroy();
        throw new MpiError('ERR_INIT', `init: rank ${options.rank}: the address table from ${options.host}:${port} failed authentication`);
      }
      if (!Array.isArray(answer.peers) || answer.peers.length !== options.size)
        throw new MpiError('ERR_INIT', `init: rank 0 sent ${answer.peers.length} addresses for ${options.size} ranks`);
      return { peers: [...answer.peers], link: new RendezvousLink(new Map([[0, connection]])) };
    }
    // Nobody of this job answered yet: rank 0 may still be starting. Back off and probe again.
    await new Promise((resolve) => setTimeout(resolve, Math.min(backoffMs, Math.max(0, deadline - Date.now()))));
    backoffMs = Math.min(backoffMs * 2, MAX_RETRY_MS);
  }
  const why = [...distrusted].map(([port, said]) => `port ${port} answered with the job's tag but gave ${said}`).join('; ');
  throw new MpiError(
    'ERR_INIT',
    `init: rank ${options.rank} found no rank 0 of its job at ${options.host} ports ${ports[0]}..${ports.at(-1)} within ${options.timeoutMs / 1000} s` +
      (why === '' ? '' : ` (${why}: a process without the job's secret, or a rank 0 with a different TSMPI_SECRET)`),
  );
}
