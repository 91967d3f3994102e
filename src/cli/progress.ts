/**
 * Progress of a bulk command on stderr: a bar redrawn in place on a terminal
 * (`[#####     ] 12/40 ok 11 failed 1`), one line per item otherwise (logs, CI, pipes).
 */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export class Progress {
  private done = 0;
  private ok = 0;
  private failed = 0;
  private readonly tty: boolean;
  private drawn = false;

  constructor(
    private readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
    private readonly width = 30,
  ) {
    this.tty = Boolean(stream.isTTY);
    if (this.tty && total > 0) this.draw();
  }

  /** Counts one finished item; `line` is printed instead of a redraw when stderr is not a terminal. */
  tick(succeeded: boolean, line: string): void {
    this.done += 1;
    if (succeeded) this.ok += 1;
    else this.failed += 1;
    if (this.tty) this.draw();
    else this.stream.write(`[${this.done}/${this.total}] ${line}\n`);
  }

  /** Leaves the bar on its own line. */
  finish(): void {
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }

  render(): string {
    const filled = this.total === 0 ? this.width : Math.round((this.done / this.total) * this.width);
    return `[${'#'.repeat(filled)}${' '.repeat(this.width - filled)}] ${this.done}/${this.total} ok ${this.ok} failed ${this.failed}`;
  }

  private draw(): void {
    this.stream.write(`\r${this.render()}`);
    this.drawn = true;
  }
}

/** Runs `fn` over `items` with at most `concurrency` at a time; resolves when all have settled. */
export async function forEachLimited<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
}
