// Saves text (an emergency kit) as a file through the browser's own download: a Blob URL on a hidden
// <a download>, revoked afterwards. Never a data: URL (it would carry the key in a URL) and never a
// network request.
export function downloadTextFile(fileName: string, text: string, type = "text/plain;charset=utf-8", revokeAfterMs = 10_000): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  a.rel = "noopener";
  a.style.display = "none";
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    // Some browsers start reading the Blob only after the click handler returns; HA's Android app
    // needs ~10 s. Revoking later still leaves the URL unreachable from anywhere else.
    setTimeout(() => URL.revokeObjectURL(url), revokeAfterMs);
  }
}
