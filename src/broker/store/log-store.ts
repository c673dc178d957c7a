// The durable store: one append-only log, <dataDir>/broker.log, of framed records (see
// log-record.ts), replayed on start. The live state is also kept in memory (DurableState), which
// is what compaction writes out.
//
// Write path (group commit): every store call updates the in-memory state and appends its record
// to a pending batch. A flush scheduled with setImmediate writes the whole batch with ONE write()
// and makes it durable with ONE fdatasync(), so the thousands of publishes that arrive in one
// turn of the event loop share one fsync. While a batch is being written the next one collects;
// sync() returns a promise for the batch that holds everything appended before the call.
//
// Fsync policy (option `fsync`):
//   'batch' (default) — as above. sync() resolves only after the fdatasync of the batch holding
//       the caller's records, so publisher confirms mean "on disk". After kill -9 or a power loss,
//       everything whose sync() had resolved is recovered; records whose sync() had not resolved
//       may or may not be (a torn last record is detected by its CRC and cut off).
//   'always' — each record is written and fdatasync'ed before the store call returns (no
//       batching, one fsync per record: safest and slowest). Same guarantees, without waiting.
//   'never' — batches are written (one write()) but never fsync'ed; sync() resolves once the
//       write returned. Survives kill -9 (the data is in the OS page cache), NOT a power loss or
//       kernel crash, which may lose recent records (never a corrupt prefix: the tail is checked).
//
// Compaction: when the log has grown past `compactAfterBytes` and the live state is less than
// half of it, the next flush writes a snapshot of the live state to broker.log.tmp instead of the
// batch (the snapshot already includes the batch's effects), fsyncs it, renames it over
// broker.log and fsyncs the directory. Killed before the rename, the old log is intact (and the
// batch's sync() had not resolved); after it, the new file is complete. A leftover .tmp is deleted
// on start. A failed write or fsync puts the store in a failed state: every later sync() rejects
// (confirms become nacks) rather than pretend durability.
import * as fs from 'node:fs';
import { join } from 'node:path';
import type {
  BindingDefinition,
  BrokerStore,
  ExchangeDefinition,
  PersistedMessage,
  QueueDefinition,
  RecoveredState,
} from './contracts.ts';
import { DurableState } from './durable-state.ts';
import {
  type LogRecord,
  RECORD,
  scanLog,
  writeBinding,
  writeExchange,
  writeLastId,
  writeMessage,
  writeName,
  writeQueue,
  writeRef,
} from './log-record.ts';
import { ByteWriter } from './value-codec.ts';

export type FsyncPolicy = 'always' | 'batch' | 'never';

export interface LogStoreOptions {
  fsync?: FsyncPolicy;
  /** Compact once the log is larger than this and mostly dead records. Default 64 MiB. */
  compactAfterBytes?: number;
}

export interface LogStoreCounters {
  /** write() calls for batches (and single records with fsync 'always'). */
  writes: number;
  fdatasyncs: number;
  compactions: number;
  /** Current size of broker.log. */
  fileBytes: number;
}

export interface LogStore extends BrokerStore {
  readonly path: string;
  counters(): LogStoreCounters;
}

export const LOG_FILE = 'broker.log';
export const DEFAULT_COMPACT_AFTER_BYTES = 64 * 1024 * 1024;

export async function openLogStore(dataDir: string, options: LogStoreOptions = {}): Promise<LogStore> {
  await fs.promises.mkdir(dataDir, { recursive: true });
  const path = join(dataDir, LOG_FILE);
  // Left by a compaction that did not reach its rename: incomplete, or superseded by broker.log.
  await fs.promises.rm(`${path}.tmp`, { force: true });
  let contents: Buffer;
  let existed = true;
  try {
    contents = await fs.promises.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    contents = Buffer.alloc(0);
    existed = false;
  }
  const state = new DurableState();
  const end = scanLog(contents, (record) => replay(state, record));
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  try {
    if (end < contents.length) {
      // Cut the torn tail so new records follow the last good one.
      fs.ftruncateSync(fd, end);
      fs.fdatasyncSync(fd);
    }
    if (!existed) fsyncDirectorySync(dataDir);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  return new FileLogStore(dataDir, path, fd, end, state, options);
}

function replay(state: DurableState, record: LogRecord): void {
  switch (record.type) {
    case RECORD.PUT_EXCHANGE:
      state.putExchange(record.definition);
      return;
    case RECORD.DELETE_EXCHANGE:
      state.deleteExchange(record.name);
      return;
    case RECORD.PUT_QUEUE:
      state.putQueue(record.definition);
      return;
    case RECORD.DELETE_QUEUE:
      state.deleteQueue(record.name);
      return;
    case RECORD.PUT_BINDING:
      state.putBinding(record.definition);
      return;
    case RECORD.DELETE_BINDING:
      state.deleteBinding(record.definition);
      return;
    case RECORD.MESSAGE:
      state.enqueue(record.queue, record.message, record.delivered);
      return;
    case RECORD.ENQUEUE:
      state.enqueueShared(record.queue, record.id, record.delivered);
      return;
    case RECORD.DELIVERED:
      state.delivered(record.queue, record.id);
      return;
    case RECORD.REMOVE:
      state.remove(record.queue, record.id);
      return;
    case RECORD.PURGE:
      state.purge(record.queue);
      return;
    case RECORD.LAST_ID:
      state.noteMessageId(record.id);
      return;
  }
}

interface Batch {
  chunks: Buffer[];
  bytes: number;
  /** Made on the first sync() for this batch and shared by every later caller. */
  done: Promise<void> | undefined;
  resolve: (() => void) | undefined;
  reject: ((error: Error) => void) | undefined;
}

const RESOLVED: Promise<void> = Promise.resolve();

class FileLogStore implements LogStore {
  private readonly writer = new ByteWriter();
  private readonly policy: FsyncPolicy;
  private readonly compactAfterBytes: number;
  private readonly recovered: RecoveredState;
  /** Records appended since the last flush started. */
  private pending: Batch | undefined;
  /** The batch being written and fsync'ed. */
  private inflight: Batch | undefined;
  private flushScheduled = false;
  private failure: Error | undefined;
  private closed = false;
  private readonly stats = { writes: 0, fdatasyncs: 0, compactions: 0 };

  constructor(
    private readonly dir: string,
    readonly path: string,
    private fd: number,
    private fileBytes: number,
    private readonly state: DurableState,
    options: LogStoreOptions,
  ) {
    this.policy = options.fsync ?? 'batch';
    this.compactAfterBytes = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES;
    this.recovered = state.recovered();
  }

  load(): Promise<RecoveredState> {
    return Promise.resolve(this.recovered);
  }

  counters(): LogStoreCounters {
    return { ...this.stats, fileBytes: this.fileBytes };
  }

  putExchange(definition: ExchangeDefinition): void {
    this.state.putExchange(definition);
    writeExchange(this.begin(), definition);
    this.commit();
  }

  deleteExchange(name: string): void {
    this.state.deleteExchange(name);
    writeName(this.begin(), RECORD.DELETE_EXCHANGE, name);
    this.commit();
  }

  putQueue(definition: QueueDefinition): void {
    this.state.putQueue(definition);
    writeQueue(this.begin(), definition);
    this.commit();
  }

  deleteQueue(name: string): void {
    this.state.deleteQueue(name);
    writeName(this.begin(), RECORD.DELETE_QUEUE, name);
    this.commit();
  }

  putBinding(definition: BindingDefinition): void {
    this.state.putBinding(definition);
    writeBinding(this.begin(), RECORD.PUT_BINDING, definition);
    this.commit();
  }

  deleteBinding(definition: BindingDefinition): void {
    this.state.deleteBinding(definition);
    writeBinding(this.begin(), RECORD.DELETE_BINDING, definition);
    this.commit();
  }

  enqueue(queue: string, message: PersistedMessage): void {
    const kind = this.state.enqueue(queue, message, message.redelivered);
    if (kind === 'new') {
      // The body goes to the batch as it is, after its record's head: no copy until the write.
      writeMessage(this.begin(), queue, message, message.redelivered, false);
      this.commit(message.body);
    } else if (kind === 'shared') {
      // The body is already in the log (another queue holds the same message): refer to it.
      writeRef(this.begin(), RECORD.ENQUEUE, queue, message.id, message.redelivered);
      this.commit();
    }
  }

  delivered(queue: string, messageId: number): void {
    if (this.state.delivered(queue, messageId)) {
      writeRef(this.begin(), RECORD.DELIVERED, queue, messageId);
      this.commit();
    }
  }

  remove(queue: string, messageId: number): void {
    if (this.state.remove(queue, messageId)) {
      writeRef(this.begin(), RECORD.REMOVE, queue, messageId);
      this.commit();
    }
  }

  purge(queue: string): void {
    if (this.state.purge(queue)) {
      writeName(this.begin(), RECORD.PURGE, queue);
      this.commit();
    }
  }

  sync(): Promise<void> {
    if (this.failure) return handled(Promise.reject(this.failure));
    const batch = this.pending ?? this.inflight;
    if (!batch) return RESOLVED;
    if (!batch.done) {
      batch.done = handled(
        new Promise<void>((resolve, reject) => {
          batch.resolve = resolve;
          batch.reject = reject;
        }),
      );
    }
    return batch.done;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while ((this.pending || this.inflight) && !this.failure) await this.sync().catch(() => {});
    this.closed = true;
    try {
      fs.closeSync(this.fd);
    } catch (error) {
      // Closing after a failure: the failure is what matters and sync() already reports it.
      if (!this.failure) throw error;
    }
  }

  /** The reused writer, emptied, for one record. */
  private begin(): ByteWriter {
    this.writer.pos = 0;
    return this.writer;
  }

  /** Appends the record just written (and the body that follows it, for a message). */
  private commit(body?: Buffer): void {
    if (this.closed || this.failure) return;
    this.append(this.writer.copyFrom(0), body);
  }

  private append(record: Buffer, body?: Buffer): void {
    // After a failure the in-memory state goes on (the broker keeps serving); sync() reports it.
    if (this.closed || this.failure) return;
    if (this.policy === 'always') {
      this.writeNow(body ? Buffer.concat([record, body]) : record);
      return;
    }
    let batch = this.pending;
    if (!batch) {
      batch = { chunks: [], bytes: 0, done: undefined, resolve: undefined, reject: undefined };
      this.pending = batch;
    }
    batch.chunks.push(record);
    batch.bytes += record.length;
    if (body) {
      batch.chunks.push(body);
      batch.bytes += body.length;
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.inflight) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const batch = this.pending;
    if (!batch || this.inflight) return;
    this.pending = undefined;
    this.inflight = batch;
    this.writeBatch(batch).then(
      () => this.finish(batch, undefined),
      (error: Error) => this.finish(batch, error),
    );
  };

  private async writeBatch(batch: Batch): Promise<void> {
    if (this.shouldCompact(batch.bytes)) {
      // The in-memory state already includes this batch, so the snapshot replaces writing it.
      if (await this.compact(this.snapshot())) return;
    }
    const buf = batch.chunks.length === 1 ? batch.chunks[0]! : Buffer.concat(batch.chunks, batch.bytes);
    await this.writeAt(buf);
    if (this.policy !== 'never') {
      await fdatasync(this.fd);
      this.stats.fdatasyncs++;
    }
  }

  private finish(batch: Batch, error: Error | undefined): void {
    this.inflight = undefined;
    if (error) {
      this.failure ??= error;
      batch.reject?.(error);
      this.pending?.reject?.(error);
      this.pending = undefined;
      return;
    }
    batch.resolve?.();
    if (this.pending) this.scheduleFlush();
  }

  /** Appends at the end of the log; on failure cuts back what was partly written. */
  private async writeAt(buf: Buffer): Promise<void> {
    const start = this.fileBytes;
    try {
      await writeFully(this.fd, buf, start);
    } catch (error) {
      try {
        fs.ftruncateSync(this.fd, start);
      } catch {
        // The failure state stops further appends anyway.
      }
      throw error;
    }
    this.fileBytes = start + buf.length;
    this.stats.writes++;
  }

  /** fsync 'always': write and fdatasync before returning. */
  private writeNow(buf: Buffer): void {
    const start = this.fileBytes;
    try {
      let done = 0;
      while (done < buf.length) done += fs.writeSync(this.fd, buf, done, buf.length - done, start + done);
      this.fileBytes = start + buf.length;
      this.stats.writes++;
      fs.fdatasyncSync(this.fd);
      this.stats.fdatasyncs++;
      if (this.shouldCompact(0)) this.compactSync(this.snapshot());
    } catch (error) {
      this.failure ??= error as Error;
      try {
        // Never leave half a record for the next one to follow.
        if (this.fileBytes === start) fs.ftruncateSync(this.fd, start);
      } catch {
        // Failed already; nothing more is appended.
      }
    }
  }

  private shouldCompact(extraBytes: number): boolean {
    const size = this.fileBytes + extraBytes;
    if (size < this.compactAfterBytes) return false;
    const s = this.state;
    // An estimate of the snapshot's size: bodies once, ~64 bytes of framing and names per
    // (queue, message) pair, a few hundred per definition.
    const live =
      s.liveBodyBytes + s.liveEntries * 64 + (s.exchanges.size + s.queues.size + s.bindings.size) * 256;
    return live * 2 < size;
  }

  /** The live state as a log of its own: last id, definitions, then each queue's messages in order. */
  private snapshot(): Buffer {
    const s = this.state;
    // One writer for the whole snapshot, sized from the live-state estimate so it rarely grows.
    const w = new ByteWriter(s.liveBodyBytes + s.liveEntries * 96 + 65_536);
    writeLastId(w, s.lastMessageId);
    for (const definition of s.exchanges.values()) writeExchange(w, definition);
    for (const definition of s.queues.values()) writeQueue(w, definition);
    for (const definition of s.bindings.values()) writeBinding(w, RECORD.PUT_BINDING, definition);
    const written = new Set<number>();
    for (const [queue, messages] of s.messages) {
      for (const [id, entry] of messages) {
        // A message held by several queues carries its body once; the others refer to it.
        if (entry.shared.refs > 1 && written.has(id)) {
          writeRef(w, RECORD.ENQUEUE, queue, id, entry.delivered);
        } else {
          if (entry.shared.refs > 1) written.add(id);
          writeMessage(w, queue, entry.shared.message, entry.delivered, true);
        }
      }
    }
    return w.buf.subarray(0, w.pos);
  }

  /**
   * Installs a snapshot as the new log. Returns false when it failed before the rename (the old
   * log is untouched and stays in use); throws when it failed after (the store is then failed).
   */
  private async compact(snapshot: Buffer): Promise<boolean> {
    const tmp = `${this.path}.tmp`;
    let fd: number | undefined;
    try {
      fd = await openFile(tmp);
      await writeFully(fd, snapshot, 0);
      await fdatasync(fd);
      await rename(tmp, this.path);
    } catch {
      if (fd !== undefined) fs.close(fd, () => {});
      fs.rm(tmp, { force: true }, () => {});
      return false;
    }
    this.install(fd, snapshot.length);
    await fsyncDirectory(this.dir);
    return true;
  }

  private compactSync(snapshot: Buffer): void {
    const tmp = `${this.path}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      let done = 0;
      while (done < snapshot.length) done += fs.writeSync(fd, snapshot, done, snapshot.length - done, done);
      fs.fdatasyncSync(fd);
      fs.renameSync(tmp, this.path);
    } catch {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      return;
    }
    this.install(fd, snapshot.length);
    fsyncDirectorySync(this.dir);
  }

  private install(fd: number, size: number): void {
    const old = this.fd;
    this.fd = fd;
    this.fileBytes = size;
    this.stats.compactions++;
    fs.close(old, () => {});
  }
}

/**
 * Marks a promise as handled: a caller that ignores PublishResult.durable (no confirms) must not
 * turn a disk error into an unhandled rejection that kills the broker. Callers that attach their
 * own handlers still see the rejection.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

function writeFully(fd: number, buf: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (done: number) => {
      if (done === buf.length) {
        resolve();
        return;
      }
      fs.write(fd, buf, done, buf.length - done, position + done, (error, written) => {
        if (error) reject(error);
        else step(done + written);
      });
    };
    step(0);
  });
}

const fdatasync = (fd: number) =>
  new Promise<void>((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve())));

const rename = (from: string, to: string) =>
  new Promise<void>((resolve, reject) => fs.rename(from, to, (error) => (error ? reject(error) : resolve())));

const openFile = (path: string) =>
  new Promise<number>((resolve, reject) =>
    fs.open(path, 'w', 0o644, (error, fd) => (error ? reject(error) : resolve(fd))),
  );

/** Makes a create or rename in the directory durable. */
async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function fsyncDirectorySync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
