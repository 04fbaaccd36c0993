/** Queue job results are JSON: a stored-domain cell's perturbation panel and `stored` record survive the trip. */
import { describe, expect, it } from 'vitest';
import type { TaskResult } from '../../../src/engine/audit/execute.js';
import { decodeResult, encodeResult } from '../../../src/engine/audit/queue.js';

const u8 = (...v: number[]) => Uint8Array.from(v);

describe('queue wire format', () => {
  it('keeps example bytes, the stored perturbation panel with its amplification, NaN metrics and the stored record', () => {
    const base = { width: 2, height: 1, channels: 1, clean: u8(1, 2), adversarial: u8(3, 4), reference: u8(0, 1), cleanMask: u8(1, 0), advMask: u8(0, 0) };
    const r = {
      taskKey: 't', provider: 'cpu', threads: 1, gradientMode: 'unfused', iterations: 2, referenceKind: 'clean-prediction', ms: 1, startedAt: 'a', finishedAt: 'b', worker: 'w',
      cells: [
        { key: 'k1', metrics: { adversarial: { dice: NaN } }, example: { ...base, perturbation: { data: u8(127, 255), amplification: 0.025 } }, stored: { eps: { su: 20, HU: null, modality: 20, w255: 12.78 } } },
        { key: 'k2', metrics: { adversarial: { dice: 0.5 } }, example: base },
      ],
    } as unknown as TaskResult;
    const back = decodeResult(encodeResult(r));
    expect(back.cells[0].example.perturbation).toEqual({ data: u8(127, 255), amplification: 0.025 });
    expect(back.cells[0].example.clean).toEqual(u8(1, 2));
    expect(back.cells[0].stored).toEqual({ eps: { su: 20, HU: null, modality: 20, w255: 12.78 } });
    expect(Number.isNaN(back.cells[0].metrics.adversarial.dice)).toBe(true);
    expect(back.cells[1].example.perturbation).toBeUndefined();
    expect(back.cells[1].example.advMask).toEqual(u8(0, 0));
  });
});
