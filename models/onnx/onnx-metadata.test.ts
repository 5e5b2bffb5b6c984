import { describe, expect, it } from 'vitest';
import { parseOnnxMetadata } from './onnx-metadata.js';

function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

function field(number: number, wire: number, payload: number[]): number[] {
  return [...varint(number * 8 + wire), ...payload];
}

function lengthDelimited(number: number, bytes: number[]): number[] {
  return field(number, 2, [...varint(bytes.length), ...bytes]);
}

function text(value: string): number[] {
  return [...new TextEncoder().encode(value)];
}

function entry(key: string, value: string): number[] {
  return lengthDelimited(14, [...lengthDelimited(1, text(key)), ...lengthDelimited(2, text(value))]);
}

describe('parseOnnxMetadata', () => {
  it('reads metadata_props between and after other fields of every wire type, the graph skipped by its length', () => {
    const graph = new Array(300).fill(7);
    const model = new Uint8Array([
      ...field(1, 0, varint(8)),
      ...lengthDelimited(2, text('pytorch')),
      ...entry('model_type', 'zipformer2'),
      ...lengthDelimited(7, graph),
      ...field(9, 1, [1, 2, 3, 4, 5, 6, 7, 8]),
      ...field(10, 5, [1, 2, 3, 4]),
      ...entry('encoder_dims', '256,256,256'),
      ...entry('comment', 'Ünïcode ▁words'),
    ]);
    expect(parseOnnxMetadata(model)).toEqual({ model_type: 'zipformer2', encoder_dims: '256,256,256', comment: 'Ünïcode ▁words' });
  });

  it('gives an empty record for a model without metadata', () => {
    expect(parseOnnxMetadata(new Uint8Array([...field(1, 0, varint(8))]))).toEqual({});
  });

  it('refuses truncated or corrupt bytes with engine_failure, never reads past the end', () => {
    const whole = [...entry('model_type', 'zipformer')];
    for (const bytes of [whole.slice(0, whole.length - 3), [0x72, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], [0x0f]]) {
      expect(() => parseOnnxMetadata(new Uint8Array(bytes), 'x.onnx')).toThrow(/x.onnx is not a readable ONNX model/);
    }
  });
});
