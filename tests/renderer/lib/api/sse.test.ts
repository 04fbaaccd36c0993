import { describe, expect, it } from 'vitest';
import { createSseParser, type SseMessage } from '../../../../src/renderer/src/lib/api/sse.js';

describe('SSE parser', () => {
  it('parses events split across chunks, skips heartbeats, joins multi-line data', () => {
    const got: SseMessage[] = [];
    const push = createSseParser((m) => got.push(m));
    push('retry: 2000\n\n: ping\n\nevent: progress\nda');
    push('ta: {"a":1}\n\r\ndata: x\ndata: y\n\n');
    expect(got).toEqual([
      { event: 'progress', data: '{"a":1}' },
      { event: 'message', data: 'x\ny' },
    ]);
  });
});
