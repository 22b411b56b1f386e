// Frames queued during one event-loop turn leave together: the owner's flush runs once, on
// the check phase, with everything queued meanwhile. Shared by streams and the thread hop.

export class WriteBatch {
  private frames: Uint8Array[] = [];
  private bytes = 0;
  private scheduled = false;
  private readonly run = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(private readonly flush: () => void) {}

  add(frame: Uint8Array): void {
    this.frames.push(frame);
    this.bytes += frame.byteLength;
    this.schedule();
  }

  /** One frame given as pieces, written one after the other. */
  addPieces(pieces: Uint8Array[], total: number): void {
    for (const piece of pieces) this.frames.push(piece);
    this.bytes += total;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  /** Bytes queued and not yet taken. */
  get size(): number {
    return this.bytes;
  }

  /** Everything queued (in order) and its size; the batch is empty afterwards. */
  take(): { frames: Uint8Array[]; bytes: number } {
    const out = { frames: this.frames, bytes: this.bytes };
    this.frames = [];
    this.bytes = 0;
    return out;
  }

  clear(): void {
    this.frames = [];
    this.bytes = 0;
  }
}
