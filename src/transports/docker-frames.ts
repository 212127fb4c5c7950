/**
 * Docker multiplexes stdout and stderr of a non-TTY exec on one stream: each frame is an 8-byte
 * header (stream id, three zero bytes, big-endian payload length) followed by the payload.
 * Frames may be split across chunks or several may arrive in one chunk.
 */
export class FrameDemuxer {
  readonly stdout: Buffer[] = [];
  readonly stderr: Buffer[] = [];
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) return;
      const payload = this.pending.subarray(8, 8 + size);
      // 1 = stdout, 2 = stderr; 0 (stdin echo) never carries output we want.
      if (this.pending[0] === 1) this.stdout.push(payload);
      else if (this.pending[0] === 2) this.stderr.push(payload);
      this.pending = this.pending.subarray(8 + size);
    }
  }

  /** Bytes of an unfinished frame at end of stream: a truncated stream, worth reporting. */
  get leftover(): number {
    return this.pending.length;
  }
}
