import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../core/index.js';

/**
 * One line of a text file: its 1-based number and its text (without the line break), or why it was not
 * decoded: invalid UTF-8, or longer than the limit given to {@link readLines} (`bytes` = its full length).
 */
export type TextLine = { line: number; text: string } | { line: number; invalidUtf8: true } | { line: number; tooLarge: true; bytes: number };

/**
 * Stream the lines of a (possibly gzip-compressed) UTF-8 file, one at a time, in constant memory
 * (one chunk plus the current line, and never more than `maxLineBytes` of a line: the bytes of a longer
 * line are dropped as they arrive and only its length is reported).
 *
 * Lines are split on `\n` at the byte level and each line is decoded on its own with a fatal UTF-8
 * decoder, so a bad byte is reported with its exact line number instead of being silently replaced
 * by U+FFFD (what `readline` does). A trailing `\r` is removed (CRLF files), and a UTF-8 byte order
 * mark on line 1 is dropped. A final line without a newline is still yielded.
 *
 * @param file path to read.
 * @param gzip true to gunzip the stream first (`.gz` files).
 * @param maxLineBytes longest line decoded, in bytes as stored (after gunzip, before a CRLF's `\r` is
 *   removed, not counting the `\n`); a longer line comes out as `{line, tooLarge, bytes}`. Default no limit.
 * @throws InputError when the file cannot be read, or `gzip` is true and the file is not valid gzip.
 */
export async function* readLines(file: string, gzip: boolean, maxLineBytes = Infinity): AsyncGenerator<TextLine> {
  const raw = createReadStream(file);
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  // A read error on `raw` is not forwarded through pipe(); forward it so the loop below sees it.
  if (gzip) raw.on('error', (err) => stream.destroy(err));
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // Pieces of the current line that spans chunks; joined once when its newline arrives (no quadratic copying).
  let carry: Buffer[] = [];
  // Bytes of the current line so far; once past maxLineBytes, `carry` is emptied and only this grows.
  let size = 0;
  let line = 0;

  const decode = (bytes: Buffer): TextLine => {
    line += 1;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end -= 1;
    try {
      let text = decoder.decode(bytes.subarray(0, end));
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      return { line, text };
    } catch {
      return { line, invalidUtf8: true };
    }
  };

  const finish = (piece: Buffer): TextLine => {
    size += piece.length;
    const out: TextLine =
      size > maxLineBytes ? { line: (line += 1), tooLarge: true, bytes: size } : decode(carry.length > 0 ? Buffer.concat([...carry, piece]) : piece);
    carry = [];
    size = 0;
    return out;
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a, start); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        yield finish(chunk.subarray(start, nl));
        start = nl + 1;
      }
      if (start < chunk.length) {
        const rest = chunk.subarray(start);
        size += rest.length;
        if (size <= maxLineBytes) carry.push(rest);
        else carry = [];
      }
    }
  } catch (err) {
    throw readError(file, gzip, err);
  } finally {
    // Also on early exit (the consumer stopped iterating): close the file and the gunzip stream.
    raw.destroy();
    if (stream !== raw) stream.destroy();
  }
  if (size > 0) yield finish(Buffer.alloc(0));
}

function readError(file: string, gzip: boolean, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (gzip && typeof code === 'string' && code.startsWith('Z_')) {
    return new InputError(file, undefined, `not a valid gzip file (${(err as Error).message})`, {
      hint: 'compress it with `gzip FILE`, or drop the .gz extension if it is plain text',
      code: 'SEEDS_UNREADABLE',
    });
  }
  return new InputError(file, undefined, `cannot read the file (${(err as Error)?.message ?? String(err)})`, {
    hint: 'check that the file exists and is readable',
    code: 'SEEDS_UNREADABLE',
  });
}
