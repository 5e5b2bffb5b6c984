import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { curveSvg, niceTicks, plotCurves } from './curve-plot.js';

const series = [
  { name: 'silence', points: [256, 400, 800].map((ms, i) => ({ x: ms, y: 6 - 2 * i, label: `${ms}` })) },
  { name: 'model min_end_ms 96', points: [0.3, 0.5, 0.7].map((t, i) => ({ x: 150 + 100 * i, y: 1.5 - 0.5 * i, label: `${t}` })) },
];
const options = { title: 'Cut-offs against end latency', xLabel: 'turn.end p50 (ms)', yLabel: 'cut-offs per minute' };

describe('plotCurves', () => {
  it('draws a PNG of the given size with each series in its own colour on white', async () => {
    const png = await plotCurves(series, { ...options, width: 800, height: 500 });
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([800, 500, 3]);
    const pixels = (r: number, g: number, b: number) => {
      let n = 0;
      for (let i = 0; i < data.length; i += 3) if (Math.abs(data[i]! - r) + Math.abs(data[i + 1]! - g) + Math.abs(data[i + 2]! - b) < 30) n++;
      return n;
    };
    expect(pixels(255, 255, 255)).toBeGreaterThan(800 * 500 * 0.7);
    expect(pixels(0x00, 0x72, 0xb2)).toBeGreaterThan(200); // the first series' line and points
    expect(pixels(0xd5, 0x5e, 0x00)).toBeGreaterThan(200); // the second's
  });

  it('labels points, axes and legend, escaped for XML', () => {
    const svg = curveSvg([{ name: 'a<b & c', points: [{ x: 1, y: 1, label: '0.5' }] }], options);
    expect(svg).toContain('a&lt;b &amp; c');
    expect(svg).toContain('>0.5</text>');
    expect(svg).toContain('>cut-offs per minute</text>');
  });
});

describe('niceTicks', () => {
  it('covers the range in round steps', () => {
    expect(niceTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(0, 0.9)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(130, 870)).toEqual([0, 200, 400, 600, 800, 1000]);
  });
});
