// An address worth trying: http(s) with a host. Anything else gets "not an address", not "cannot
// reach", and no connection is opened to it.
export function isHomeAssistantUrl(url: string): boolean {
  try {
    const u = new URL(url.trim());
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}
