import { StringDecoder } from 'node:string_decoder';

/**
 * The longest line handed out whole (characters, 1 Mi: a big JSON line still arrives as one
 * record); a longer one comes in pieces of this size.
 */
export const LINE_CAP = 1024 * 1024;
/** Ends every piece of an over-long line but its last. */
export const LINE_CUT_MARK = ' [line continues]';
/** Starts every piece of an over-long line but its first. */
export const LINE_CONTINUED_MARK = '[continued] ';

/**
 * Splits a byte stream into lines (without the newline); a last unterminated line is flushed
 * at end. Linear in the bytes pushed: each chunk is scanned once, and a line still open is
 * kept as pieces, never re-joined and re-scanned per chunk (one unterminated 50 MB line cost
 * seconds of blocked master before, issue 15.4). A line over LINE_CAP characters is handed out
 * as it comes, in pieces of LINE_CAP marked with LINE_CUT_MARK / LINE_CONTINUED_MARK.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  /** The open line's text so far, in pieces, and their length. */
  private parts: string[] = [];
  private length = 0;
  /** Pieces of the open line were handed out already. */
  private continued = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly cap = LINE_CAP,
  ) {}

  push(chunk: Buffer): void {
    this.take(this.decoder.write(chunk));
  }

  end(): void {
    this.take(this.decoder.end());
    if (this.length > 0 || this.continued) this.finish(this.joined());
  }

  private take(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      let line = this.length > 0 ? this.joined() + text.slice(start, nl) : text.slice(start, nl);
      if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      this.finish(line);
      start = nl + 1;
    }
    if (start >= text.length) return;
    const rest = start === 0 ? text : text.slice(start);
    this.parts.push(rest);
    this.length += rest.length;
    if (this.length > this.cap) this.cutOpenLine();
  }

  /** Hands out the open line's full pieces, keeping what is left of it open. */
  private cutOpenLine(): void {
    let text = this.joined();
    while (text.length > this.cap) {
      this.piece(text.slice(0, this.cap), false);
      text = text.slice(this.cap);
    }
    this.parts = [text];
    this.length = text.length;
  }

  /** The end of a line: its last piece (or the whole line when it fits). */
  private finish(line: string): void {
    this.parts = [];
    this.length = 0;
    while (line.length > this.cap) {
      this.piece(line.slice(0, this.cap), false);
      line = line.slice(this.cap);
    }
    this.piece(line, true);
    this.continued = false;
  }

  private piece(text: string, last: boolean): void {
    const head = this.continued ? LINE_CONTINUED_MARK : '';
    this.onLine(last ? head + text : head + text + LINE_CUT_MARK);
    if (!last) this.continued = true;
  }

  private joined(): string {
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.length = 0;
    return text;
  }
}
