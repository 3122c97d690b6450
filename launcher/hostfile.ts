/**
 * Hostfiles and `-H` host lists → the hosts a job may use and how many ranks each takes.
 *
 * This module is the one place where the hostfile format is defined. Two dialects are accepted, told
 * apart line by line, so a file may mix them:
 *
 * ```text
 * # Open MPI dialect                 # MPICH dialect
 * node1 slots=4 max_slots=8          node1:4
 * node2 slots=2   # a comment        node2            # 1 slot
 * node3                              [fd00::3]:2      # IPv6 needs brackets before :N
 * 10.77.0.2 max-slots=2              10.77.0.2:2
 * ```
 *
 * - `#` starts a comment anywhere on a line; blank lines and surrounding whitespace are ignored.
 * - The first word of a line is the host: a host name (RFC 1123 labels), an IPv4 address, or an IPv6
 *   address (bare, or in brackets; brackets are required to add `:N`). The MPICH form `host:N` gives
 *   the slot count in the same word.
 * - Further words are options: `slots=N`, `max_slots=N` (also spelt `max-slots=N`), each 1 ≤ N ≤ 1000000
 *   (MAX_SLOTS: a count beyond any real host is a typo, and would not fit in memory).
 *   Anything else (e.g. MPICH's `ifhn=...`) is rejected, so that a typo never silently changes a job.
 * - A host without a count has **1 slot**. Open MPI would count the host's cores instead; we follow
 *   MPICH so that a hostfile means the same thing whichever machine reads it.
 * - `max_slots` caps how many ranks `--oversubscribe` may put on the host; without it there is no cap.
 * - A host listed twice (host names compared case-insensitively) gets the sum of its slots, as in
 *   Open MPI; its `max_slots` is the larger one given. The host keeps the position of its first line.
 *
 * Pure: no I/O except reading the file in {@link readHostfile}.
 */
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';

/** One host of a job and how many ranks it takes. */
export interface HostSlots {
  /** Host name or IP address as written (IPv6 without brackets). */
  readonly host: string;
  /** Ranks placed on the host before any oversubscription (≥ 1). */
  readonly slots: number;
  /** Most ranks `--oversubscribe` may place on the host; absent means no limit. */
  readonly maxSlots?: number;
  /** Where the host was (first) given: `file:line`, or `-H`. */
  readonly source: string;
}

/**
 * A hostfile or `-H` list that cannot be used. The message names the file and line (or `-H`) and
 * the offending word, e.g. `lab.txt:3: 'slots=x' is not a valid slot count (want slots=N with 1 ≤ N ≤ 1000000)`.
 */
export class HostfileError extends Error {
  constructor(
    message: string,
    /** The file name as given, or `-H`. */
    readonly file: string,
    /** 1-based line number, when the error is about one line. */
    readonly line?: number,
    /** The offending word, when there is one. */
    readonly token?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'HostfileError';
  }
}

const SLOT_KEYS: Readonly<Record<string, 'slots' | 'maxSlots'>> = {
  slots: 'slots',
  max_slots: 'maxSlots',
  'max-slots': 'maxSlots',
};

interface Entry {
  host: string;
  slots: number;
  maxSlots?: number;
}

/** Where an error is: `lab.txt:3` or `-H`. */
interface At {
  readonly file: string;
  readonly line?: number;
}

function fail(at: At, token: string | undefined, what: string): never {
  const where = at.line === undefined ? at.file : `${at.file}:${at.line}`;
  throw new HostfileError(`${where}: ${what}`, at.file, at.line, token);
}

/** Is `name` a host name (RFC 1123: dot-separated labels of letters, digits and inner hyphens)? */
function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  // All digits and dots yet not a valid IPv4 address (10.0.0.256): a typo, not a name.
  if (/^[\d.]+$/.test(name)) return false;
  return name.split('.').every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

/** The largest slot count a hostfile may give a host (the most ranks a job may have, too). */
export const MAX_SLOTS = 1_000_000;

/** An integer 1..MAX_SLOTS written in decimal digits, or undefined. */
function count(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= 1 && value <= MAX_SLOTS ? value : undefined;
}

/** `node1`, `node1:4`, `10.0.0.2:2`, `::1`, `[::1]:2` → host and optional count. */
function hostWord(word: string, at: At): { host: string; slots?: number } {
  const badHost = (): never => fail(at, word, `'${word}' is not a valid host name or IP address`);
  const badCount = (): never => fail(at, word, `'${word}' is not a valid slot count (want host:N with 1 ≤ N ≤ ${MAX_SLOTS})`);
  let host: string;
  let countText: string | undefined;
  if (word.startsWith('[')) {
    const close = word.indexOf(']');
    if (close < 0) badHost();
    host = word.slice(1, close);
    const rest = word.slice(close + 1);
    if (!isIPv6(host)) badHost();
    if (rest !== '') {
      if (!rest.startsWith(':')) badHost();
      countText = rest.slice(1);
    }
  } else if (isIPv6(word)) {
    host = word;
  } else {
    const colon = word.lastIndexOf(':');
    host = colon < 0 ? word : word.slice(0, colon);
    countText = colon < 0 ? undefined : word.slice(colon + 1);
    if (!isIPv4(host) && !isHostName(host)) badHost();
  }
  if (countText === undefined) return { host };
  const slots = count(countText);
  return slots === undefined ? badCount() : { host, slots };
}

/** One non-empty line (comment already removed) → its entry. */
function parseLine(text: string, at: At): Entry {
  const [first, ...options] = text.split(/\s+/) as [string, ...string[]];
  const parsed = hostWord(first, at);
  let slots = parsed.slots;
  let slotsWord = parsed.slots === undefined ? undefined : first;
  let maxSlots: number | undefined;
  let maxWord: string | undefined;
  for (const word of options) {
    const eq = word.indexOf('=');
    if (eq < 0) fail(at, word, `unexpected '${word}' after the host (one host per line; options are slots=N and max_slots=N)`);
    const key = SLOT_KEYS[word.slice(0, eq)];
    if (key === undefined) fail(at, word, `unknown option '${word}' (options are slots=N and max_slots=N)`);
    const value = count(word.slice(eq + 1));
    if (key === 'slots') {
      if (value === undefined) fail(at, word, `'${word}' is not a valid slot count (want slots=N with 1 ≤ N ≤ ${MAX_SLOTS})`);
      if (slotsWord !== undefined) fail(at, word, `'${word}' gives the slot count again (already '${slotsWord}')`);
      slots = value;
      slotsWord = word;
    } else {
      if (value === undefined) fail(at, word, `'${word}' is not a valid slot limit (want max_slots=N with 1 ≤ N ≤ ${MAX_SLOTS})`);
      if (maxWord !== undefined) fail(at, word, `'${word}' gives max_slots again (already '${maxWord}')`);
      maxSlots = value;
      maxWord = word;
    }
  }
  slots ??= 1;
  if (maxSlots !== undefined && maxSlots < slots)
    fail(at, maxWord, `'${maxWord}' is less than the host's ${slots} slot${slots === 1 ? '' : 's'}`);
  return { host: parsed.host, slots, ...(maxSlots === undefined ? {} : { maxSlots }) };
}

/** Adds hosts in order; a repeated host adds its slots to the first entry and keeps the larger max_slots. */
class HostTable {
  readonly #hosts = new Map<string, Entry & { source: string }>();

  add(entry: Entry, at: At, token: string): void {
    const source = at.line === undefined ? at.file : `${at.file}:${at.line}`;
    const key = entry.host.toLowerCase();
    const seen = this.#hosts.get(key);
    if (seen === undefined) {
      this.#hosts.set(key, { ...entry, source });
      return;
    }
    seen.slots += entry.slots;
    if (entry.maxSlots !== undefined) seen.maxSlots = Math.max(seen.maxSlots ?? 0, entry.maxSlots);
    if (seen.maxSlots !== undefined && seen.maxSlots < seen.slots) {
      fail(
        at,
        token,
        `'${token}' is listed again and now has ${seen.slots} slots, more than its max_slots=${seen.maxSlots} (first listed at ${seen.source})`,
      );
    }
  }

  list(): HostSlots[] {
    return [...this.#hosts.values()].map(({ host, slots, maxSlots, source }) => ({
      host,
      slots,
      ...(maxSlots === undefined ? {} : { maxSlots }),
      source,
    }));
  }
}

/**
 * Parses a hostfile in either dialect (see the module comment), line by line.
 *
 * @param text the file's contents
 * @param fileName the name to use in `source` and in error messages, e.g. `lab.txt`
 * @returns the hosts in the order of their first line, repeated hosts merged
 * @throws {HostfileError} naming `fileName:line` and the offending word, or `fileName` when it lists no host
 * @example parseHostfile('h1 slots=2\nh2:2\n', 'lab.txt') // → [{ host: 'h1', slots: 2, source: 'lab.txt:1' }, ...]
 */
export function parseHostfile(text: string, fileName: string): HostSlots[] {
  const table = new HostTable();
  let listed = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    const hash = raw.indexOf('#');
    const line = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    if (line === '') return;
    const at = { file: fileName, line: index + 1 };
    table.add(parseLine(line, at), at, line.split(/\s+/)[0] as string);
    listed++;
  });
  if (listed === 0) fail({ file: fileName }, undefined, 'no hosts (every line is blank or a comment)');
  return table.list();
}

/**
 * Parses a `-H`/`--host` list: comma-separated `host` or `host:N` (`[v6]:N` for IPv6), no options.
 *
 * @returns the hosts in order, repeated hosts' slots added up; each `source` is `-H`
 * @throws {HostfileError} `-H: ...` naming the offending entry
 * @example parseHostList('node1:2,node2,10.0.0.3:4') // → node1 ×2, node2 ×1, 10.0.0.3 ×4
 */
export function parseHostList(spec: string): HostSlots[] {
  const at = { file: '-H' };
  const table = new HostTable();
  for (const raw of spec.split(',')) {
    const word = raw.trim();
    if (word === '') fail(at, raw, `empty entry in '${spec}' (want host[:N],host[:N],...)`);
    if (/\s/.test(word)) fail(at, word, `'${word}' is not a host[:N] entry (options like slots=N belong in a hostfile)`);
    const parsed = hostWord(word, at);
    table.add({ host: parsed.host, slots: parsed.slots ?? 1 }, at, word);
  }
  return table.list();
}

/**
 * Reads and parses a hostfile; messages use `path` exactly as given.
 *
 * Blocking (synchronous read); call it once while the launcher starts.
 *
 * @throws {HostfileError} `cannot read hostfile 'x': ENOENT: ...` (with the fs error as `cause`), or a parse error
 */
export function readHostfile(path: string): HostSlots[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HostfileError(`cannot read hostfile '${path}': ${reason}`, path, undefined, undefined, { cause: error });
  }
  return parseHostfile(text, path);
}

/**
 * Does `name` denote the machine the launcher runs on? True for `localhost`, any 127.x.x.x, `::1`
 * (also in brackets or as `::ffff:127.x.x.x`), and `hostname` in its short or long form
 * (`node1` matches `node1.lab.example` either way round; case-insensitive).
 *
 * @param hostname this machine's name, e.g. `os.hostname()` (passed in to keep the function pure)
 */
export function isLocalHost(name: string, hostname: string): boolean {
  let host = name.trim().toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === 'localhost' || host.endsWith('.localhost') || host === 'localhost.localdomain') return true;
  if (isIPv6(host)) {
    if (/^(0{0,4}:){2,7}0{0,3}1$/.test(host)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped === null) return false;
    host = mapped[1] as string;
  }
  if (isIPv4(host)) return host.startsWith('127.');
  const own = hostname.trim().toLowerCase().replace(/\.$/, '');
  if (own === '' || host === '') return false;
  if (host === own) return true;
  // Short vs long form: equal first labels, when one of the two is the bare short name.
  const short = (text: string): string => text.split('.')[0] as string;
  return (!host.includes('.') || !own.includes('.')) && short(host) === short(own);
}
