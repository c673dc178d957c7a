// A compact binary form for the values the log store keeps: names, numbers, and the JS shapes a
// decoded AMQP field table can take (strings, numbers, bigints, booleans, null, Buffers, arrays,
// nested tables, Dates). Exact round trip for those, with no JSON detour (JSON would turn Buffers
// into objects and lose bigints), and cheap enough for the publish path.

const T_UNDEFINED = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_INT32 = 4;
const T_FLOAT64 = 5;
const T_STRING = 6;
const T_BYTES = 7;
const T_ARRAY = 8;
const T_OBJECT = 9;
const T_BIGINT = 10;
const T_DATE = 11;

/** A growable output buffer, reused across records by its owner. */
export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 4096) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** A copy of bytes [start, pos), so the writer can be reused. */
  copyFrom(start: number): Buffer {
    const out = Buffer.allocUnsafe(this.pos - start);
    this.buf.copy(out, 0, start, this.pos);
    return out;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  /** Unsigned integers up to 2^48 (message ids). */
  u48(v: number): void {
    this.ensure(6);
    this.buf.writeUIntLE(v, this.pos, 6);
    this.pos += 6;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** A short string (names, routing keys): u16 byte length + UTF-8. */
  str(s: string): void {
    this.ensure(2 + s.length * 3);
    const n = this.buf.write(s, this.pos + 2, 'utf8');
    this.buf.writeUInt16LE(n, this.pos);
    this.pos += 2 + n;
  }

  /** A long string: u32 byte length + UTF-8. */
  text(s: string): void {
    this.ensure(4 + s.length * 3);
    const n = this.buf.write(s, this.pos + 4, 'utf8');
    this.buf.writeUInt32LE(n, this.pos);
    this.pos += 4 + n;
  }

  bytes(b: Uint8Array): void {
    this.ensure(4 + b.byteLength);
    this.buf.writeUInt32LE(b.byteLength, this.pos);
    this.buf.set(b, this.pos + 4);
    this.pos += 4 + b.byteLength;
  }

  value(v: unknown): void {
    switch (typeof v) {
      case 'undefined':
        this.u8(T_UNDEFINED);
        return;
      case 'boolean':
        this.u8(v ? T_TRUE : T_FALSE);
        return;
      case 'number':
        if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) {
          this.ensure(5);
          this.buf[this.pos] = T_INT32;
          this.buf.writeInt32LE(v, this.pos + 1);
          this.pos += 5;
        } else {
          this.u8(T_FLOAT64);
          this.f64(v);
        }
        return;
      case 'bigint':
        this.u8(T_BIGINT);
        this.str(v.toString());
        return;
      case 'string':
        this.u8(T_STRING);
        this.text(v);
        return;
      case 'object':
        if (v === null) this.u8(T_NULL);
        else if (v instanceof Uint8Array) {
          this.u8(T_BYTES);
          this.bytes(v);
        } else if (v instanceof Date) {
          this.u8(T_DATE);
          this.f64(v.getTime());
        } else if (Array.isArray(v)) {
          this.u8(T_ARRAY);
          this.u32(v.length);
          for (const item of v) this.value(item);
        } else {
          this.object(v as Record<string, unknown>);
        }
        return;
      default:
        throw new TypeError(`cannot store a ${typeof v}`);
    }
  }

  /** A table; keys whose value is undefined are left out (absent and undefined mean the same). */
  object(record: Record<string, unknown>): void {
    this.u8(T_OBJECT);
    const countAt = this.pos;
    this.u32(0);
    let count = 0;
    for (const key in record) {
      const item = record[key];
      if (item === undefined || !Object.hasOwn(record, key)) continue;
      this.text(key);
      this.value(item);
      count++;
    }
    this.buf.writeUInt32LE(count, countAt);
  }
}

/** Reads what ByteWriter wrote; throws RangeError past the end (the caller treats it as corruption). */
export class ByteReader {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new RangeError('record payload ends early');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u48(): number {
    this.need(6);
    const v = this.buf.readUIntLE(this.pos, 6);
    this.pos += 6;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  str(): string {
    const n = this.u16();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  text(): string {
    const n = this.u32();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** A copy, so that recovered messages do not pin the whole log file in memory. */
  bytes(n = this.u32()): Buffer {
    this.need(n);
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  value(): unknown {
    const tag = this.u8();
    switch (tag) {
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_INT32: {
        this.need(4);
        const v = this.buf.readInt32LE(this.pos);
        this.pos += 4;
        return v;
      }
      case T_FLOAT64:
        return this.f64();
      case T_BIGINT:
        return BigInt(this.str());
      case T_STRING:
        return this.text();
      case T_BYTES:
        return this.bytes();
      case T_DATE:
        return new Date(this.f64());
      case T_ARRAY: {
        const n = this.u32();
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) out.push(this.value());
        return out;
      }
      case T_OBJECT:
        return this.objectBody();
      default:
        throw new RangeError(`unknown value tag ${tag}`);
    }
  }

  /** A table written by ByteWriter.object. */
  object(): Record<string, unknown> {
    const tag = this.u8();
    if (tag !== T_OBJECT) throw new RangeError(`expected a table, found tag ${tag}`);
    return this.objectBody();
  }

  private objectBody(): Record<string, unknown> {
    const n = this.u32();
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = this.text();
      const value = this.value();
      // A header named __proto__ must stay a plain key, not replace the object's prototype.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
    return out;
  }
}
