import { describe, expect, it } from 'vitest';
import { createSseParser, type ServerSentEvent } from '../dashboard/src/api/sse-parser.js';

function parse(chunks: string[]): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  const feed = createSseParser((event) => events.push(event));
  chunks.forEach(feed);
  return events;
}

describe("the dashboard's event-stream parser", () => {
  const stream =
    'event: log\ndata: {"seq":1}\n\n: keep-alive\n\nevent: log\ndata: {"seq":2}\n\nevent: end\ndata: {}\n\n';

  it('yields each event once its blank line arrives, with its name and data, skipping comments', () => {
    expect(parse([stream])).toEqual([
      { event: 'log', data: '{"seq":1}' },
      { event: 'log', data: '{"seq":2}' },
      { event: 'end', data: '{}' },
    ]);
  });

  it('gives the same events whatever the chunk boundaries, one character at a time included', () => {
    expect(parse([...stream])).toEqual(parse([stream]));
    expect(parse([stream.slice(0, 17), stream.slice(17, 40), stream.slice(40)])).toEqual(parse([stream]));
  });

  it('accepts \\r\\n and \\r line ends, even split between chunks, joins data lines and names an unnamed event message', () => {
    expect(parse(['data: a\r', '\ndata: b\r\r', '\n', 'event: end\rdata\r\r\n'])).toEqual([
      { event: 'message', data: 'a\nb' },
      { event: 'end', data: '' },
    ]);
  });

  it('holds back an event whose blank line has not arrived', () => {
    expect(parse(['event: log\ndata: {"seq":1}\n'])).toEqual([]);
  });
});
