import { readFile } from 'node:fs/promises';
import { ParleyError } from '../../proto/errors.js';

/** ModelProto's `metadata_props` (repeated StringStringEntryProto) in onnx.proto. */
const METADATA_PROPS_FIELD = 14;
const ENTRY_KEY_FIELD = 1;
const ENTRY_VALUE_FIELD = 2;
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/**
 * The custom metadata of an ONNX model (`model_type`, `decode_chunk_len`, ... in sherpa-onnx's
 * exports). onnxruntime-node does not expose it, so the top level of the protobuf is walked
 * here: every other field, the graph included, is skipped by its length.
 */
export async function readOnnxMetadata(path: string): Promise<Record<string, string>> {
  return parseOnnxMetadata(await readFile(path), path);
}

export function parseOnnxMetadata(bytes: Uint8Array, name = 'the model'): Record<string, string> {
  const metadata: Record<string, string> = {};
  const reader = new ProtoReader(bytes, name);
  while (!reader.done) {
    const { field, wire } = reader.tag();
    if (field === METADATA_PROPS_FIELD && wire === WIRE_LENGTH_DELIMITED) {
      const entry = new ProtoReader(reader.bytes(), name);
      let key = '';
      let value = '';
      while (!entry.done) {
        const inner = entry.tag();
        if (inner.wire !== WIRE_LENGTH_DELIMITED) entry.skip(inner.wire);
        else if (inner.field === ENTRY_KEY_FIELD) key = entry.text();
        else if (inner.field === ENTRY_VALUE_FIELD) value = entry.text();
        else entry.bytes();
      }
      metadata[key] = value;
    } else {
      reader.skip(wire);
    }
  }
  return metadata;
}

class ProtoReader {
  private at = 0;
  private static readonly decoder = new TextDecoder();

  constructor(
    private readonly buffer: Uint8Array,
    private readonly name: string,
  ) {}

  get done(): boolean {
    return this.at >= this.buffer.length;
  }

  tag(): { field: number; wire: number } {
    const tag = this.varint();
    return { field: Math.floor(tag / 8), wire: tag % 8 };
  }

  bytes(): Uint8Array {
    const length = this.varint();
    const end = this.at + length;
    if (end > this.buffer.length) this.fail();
    const slice = this.buffer.subarray(this.at, end);
    this.at = end;
    return slice;
  }

  text(): string {
    return ProtoReader.decoder.decode(this.bytes());
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_LENGTH_DELIMITED:
        this.bytes();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        this.fail();
    }
  }

  /** Up to 2^53: lengths and tags, never the 64-bit integers of a tensor. */
  private varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.at >= this.buffer.length || scale > 2 ** 49) this.fail();
      const byte = this.buffer[this.at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  }

  private advance(count: number): void {
    if (this.at + count > this.buffer.length) this.fail();
    this.at += count;
  }

  private fail(): never {
    throw new ParleyError('engine_failure', `${this.name} is not a readable ONNX model (truncated or corrupt protobuf)`);
  }
}
