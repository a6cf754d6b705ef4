/** One server-sent event: its `event:` name (`message` when absent) and its joined `data:` lines. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

/**
 * An incremental parser of a `text/event-stream` body: feed it decoded text in chunks of any
 * size; it calls `onEvent` for each complete event (ended by a blank line). Comments (`:`) and
 * `id:`/`retry:` fields are ignored.
 */
export function createSseParser(onEvent: (event: ServerSentEvent) => void): (chunk: string) => void {
  let buffer = '';
  let name = '';
  let data: string[] = [];
  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0) onEvent({ event: name || 'message', data: data.join('\n') });
      name = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  };
  return (chunk) => {
    buffer += chunk;
    let end = buffer.search(/\r\n|\r|\n/);
    while (end >= 0) {
      const breakLength = buffer.startsWith('\r\n', end) ? 2 : 1;
      // a lone \r at the end of a chunk may be the first half of \r\n: wait for the next chunk
      if (buffer[end] === '\r' && end === buffer.length - 1) break;
      line(buffer.slice(0, end));
      buffer = buffer.slice(end + breakLength);
      end = buffer.search(/\r\n|\r|\n/);
    }
  };
}
