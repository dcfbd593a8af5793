// What a `show…Dialog()` caller awaits (show-dialog.ts): settles when the dialog closes (with its
// result), or at once when it could not open, so no caller waits forever. Opening again settles
// the earlier wait with `empty`.
export class ClosedSignal<T = void> {
  private settle: ((value: T) => void) | null = null;

  constructor(private readonly empty: T) {}

  /** A new wait (the earlier one, if any, settles now). */
  next(): Promise<T> {
    this.settle?.(this.empty);
    return new Promise<T>((resolve) => (this.settle = resolve));
  }

  /**
   * Opens the dialog through `open` and returns the wait for its close; a dialog that did not
   * open (nothing to show, already open, `open` failed) settles it at once.
   */
  async opening(open: () => unknown, isOpen: () => boolean): Promise<T> {
    const closed = this.next();
    try {
      await open();
    } finally {
      if (!isOpen()) this.done();
    }
    return closed;
  }

  /** `opening` for a dialog element that opens once rendered with its new parameters. */
  openingRendered(dialog: { readonly updateComplete: Promise<unknown>; open(): void; readonly isOpen: boolean }): Promise<T> {
    return this.opening(
      async () => {
        await dialog.updateComplete;
        dialog.open();
      },
      () => dialog.isOpen,
    );
  }

  /** The dialog closed (or never opened). */
  done(value: T = this.empty): void {
    this.settle?.(value);
    this.settle = null;
  }
}
