import { StringDecoder } from 'node:string_decoder';

/** Splits a byte stream into lines (without the newline); a last unterminated line is flushed at end. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.rest + this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.onLine(text.slice(start, end));
      start = nl + 1;
    }
    this.rest = text.slice(start);
  }

  end(): void {
    const text = this.rest + this.decoder.end();
    this.rest = '';
    if (text) this.onLine(text);
  }
}
