// Saves text as a file through the browser's own download (nothing is uploaded anywhere), and
// prints text through a hidden frame so the kit never lands in a new tab's URL or history.
export function downloadTextFile(fileName: string, text: string, type = "text/plain;charset=utf-8"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  a.rel = "noopener";
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke later: some browsers start the download only after the click handler returns.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

export function printText(title: string, text: string): void {
  const frame = document.createElement("iframe");
  frame.setAttribute("aria-hidden", "true");
  frame.style.cssText = "position:fixed;width:0;height:0;border:0;left:-9999px";
  document.body.append(frame);
  const doc = frame.contentDocument!;
  doc.title = title;
  const pre = doc.createElement("pre");
  pre.style.cssText = "font:14px/1.5 monospace;white-space:pre-wrap";
  pre.textContent = text;
  doc.body.append(pre);
  frame.contentWindow!.addEventListener("afterprint", () => frame.remove(), { once: true });
  frame.contentWindow!.print();
}
