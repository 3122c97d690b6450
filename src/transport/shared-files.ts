/**
 * Files in RAM through which two ranks on one host pass large payloads: the sender
 * writes the payload into a file in the job's private directory, and the receiver reads
 * it straight into its own memory (the caller's typed array for `Recv`), one copy on each
 * side as MPI's shared-memory transports make; ZeroMQ carries only the envelopes. Used
 * only when that directory is on a RAM-backed file system (tmpfs or ramfs, see
 * {@link inRam}): on a disk the pages would be written back for nothing.
 *
 * Each file (a *slot*) belongs to its sender and to one receiver; its name is
 * `<sender>-<receiver>-<slot>.bulk`. A slot is busy from the moment the sender writes a
 * payload until the receiver says it holds every byte (the engine's DONE); then it is kept
 * for the next payload to that receiver, because overwriting pages a file already has was
 * measured about twice as fast on this machine as writing a fresh file (whose pages the
 * kernel must first allocate) and unlinking it again. At most {@link RETAINED_BYTES} of
 * idle slots are kept per rank; the rest are unlinked. A slot number is never used again
 * once its file is unlinked, so a name always means one file.
 *
 * Every file lives in the job's private directory (mode 0700), which tsmpirun, its host
 * agents and (when they lose the launcher) the ranks themselves remove when the job ends,
 * however it ends; {@link SharedFiles.close} unlinks this rank's files earlier.
 */
import { closeSync, openSync, readSync, statfsSync, unlinkSync, writeSync } from 'node:fs';

/** `statfs` f_type of tmpfs (also /dev/shm) and of ramfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;
const RAMFS_MAGIC = 0x858458f6;

/**
 * Most bytes of idle slots one rank keeps for reuse (beyond it, a released slot is
 * unlinked and its memory returned): enough for a 16 MiB payload to each of four peers.
 */
export const RETAINED_BYTES = 64 * 1024 * 1024;

/** True when `dir` is on a RAM-backed file system (tmpfs, ramfs). */
export function inRam(dir: string): boolean {
  try {
    const type = statfsSync(dir).type;
    return type === TMPFS_MAGIC || type === RAMFS_MAGIC;
  } catch {
    return false;
  }
}

interface Slot {
  readonly id: number;
  readonly dest: number;
  readonly fd: number;
  /** Bytes the file holds (the most ever written to it). */
  bytes: number;
}

/** One rank's side of the shared files of a job directory: the slots it writes and the files it reads. */
export class SharedFiles {
  private nextId = 0;
  private readonly busy = new Map<number, Slot>();
  /** Idle slots per receiver, kept for reuse. */
  private readonly idle = new Map<number, Slot[]>();
  private retained = 0;
  private closed = false;

  constructor(
    /** The job's private directory (RAM-backed). */
    readonly dir: string,
    /** This rank (world). */
    readonly rank: number,
    private readonly retainedBytes = RETAINED_BYTES,
  ) {}

  private path(origin: number, dest: number, id: number): string {
    return `${this.dir}/${origin}-${dest}-${id}.bulk`;
  }

  /** A slot for a payload to `dest` (an idle one if any), or null when no file can be made. */
  acquire(dest: number): number | null {
    if (this.closed) return null;
    let slot = this.idle.get(dest)?.pop();
    if (slot !== undefined) this.retained -= slot.bytes;
    else {
      const id = this.nextId++;
      let fd: number;
      try {
        fd = openSync(this.path(this.rank, dest, id), 'w+', 0o600);
      } catch {
        return null;
      }
      slot = { id, dest, fd, bytes: 0 };
    }
    this.busy.set(slot.id, slot);
    return slot.id;
  }

  /**
   * Write `parts` one after the other into busy slot `id`, from byte `offset` of the file.
   * Returns false when the file system refuses (full, say): the caller sends the bytes
   * another way, and should release the slot without keeping it.
   */
  write(id: number, parts: readonly Uint8Array[], offset: number): boolean {
    const slot = this.busy.get(id);
    if (slot === undefined) return false;
    try {
      let at = offset;
      for (const part of parts) {
        for (let done = 0; done < part.byteLength;) done += writeSync(slot.fd, part, done, part.byteLength - done, at + done);
        at += part.byteLength;
      }
      slot.bytes = Math.max(slot.bytes, at);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The receiver holds the payload of busy slot `id` (`keep`), or the slot's payload was
   * abandoned: keep the file for the next payload when `keep` and there is room, else unlink it.
   */
  release(id: number, keep: boolean): void {
    const slot = this.busy.get(id);
    if (slot === undefined) return;
    this.busy.delete(id);
    if (keep && !this.closed && this.retained + slot.bytes <= this.retainedBytes) {
      this.retained += slot.bytes;
      const idle = this.idle.get(slot.dest);
      if (idle === undefined) this.idle.set(slot.dest, [slot]);
      else idle.push(slot);
      return;
    }
    this.discard(slot);
  }

  /**
   * Read `into.byteLength` bytes from byte `offset` of slot `id` of rank `origin`'s files
   * to this rank into `into`. @throws the file system's error (the file is missing or short)
   */
  read(origin: number, id: number, offset: number, into: Uint8Array): void {
    const fd = openSync(this.path(origin, this.rank, id), 'r');
    try {
      for (let done = 0; done < into.byteLength;) {
        const got = readSync(fd, into, done, into.byteLength - done, offset + done);
        if (got === 0) throw new Error(`${this.path(origin, this.rank, id)} ends before byte ${offset + into.byteLength}`);
        done += got;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Unlink every file of this rank; later calls to {@link acquire} give null. Repeatable. */
  close(): void {
    this.closed = true;
    for (const slot of this.busy.values()) this.discard(slot);
    this.busy.clear();
    for (const slots of this.idle.values()) for (const slot of slots) this.discard(slot);
    this.idle.clear();
    this.retained = 0;
  }

  private discard(slot: Slot): void {
    try {
      closeSync(slot.fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(this.path(this.rank, slot.dest, slot.id));
    } catch {
      // already gone: the job directory was removed
    }
  }
}
