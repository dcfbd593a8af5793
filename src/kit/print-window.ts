// Prints the printable kit through a hidden same-origin frame: the key never goes into a URL, a new
// tab or the browser history, and the browser's print dialog can save it as a PDF.
export interface OpenPrintableKitOptions {
  /** Replaces `window.print()` (tests); receives the frame's window. */
  print?: (win: Window) => void;
  /** Keep the frame after printing (tests); by default it is removed after `afterprint`. */
  keep?: boolean;
}

export function openPrintableKit(html: string, options: OpenPrintableKitOptions = {}): HTMLIFrameElement {
  const frame = document.createElement("iframe");
  frame.setAttribute("aria-hidden", "true");
  frame.tabIndex = -1;
  // Off-screen but laid out at page width, so the print preview uses the real layout.
  frame.style.cssText = "position:fixed;left:-10000px;top:0;width:210mm;height:297mm;border:0;visibility:hidden";
  document.body.append(frame);
  const win = frame.contentWindow!;
  const doc = win.document;
  doc.open();
  doc.write(html);
  doc.close();
  if (!options.keep) win.addEventListener("afterprint", () => frame.remove(), { once: true });
  (options.print ?? ((w: Window) => w.print()))(win);
  return frame;
}
