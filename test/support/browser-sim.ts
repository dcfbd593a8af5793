// Browser tests start simulated HAs through the dev server (test/support/wtr-services.mjs).
export interface BrowserSim {
  id: string;
  url: string;
  adminToken: string;
  userToken: string;
  control<T = unknown>(action: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export async function startSim(options: Record<string, unknown> = {}): Promise<BrowserSim> {
  const res = await fetch("/__sim/start", { method: "POST", body: JSON.stringify({ now: "2026-11-27T12:00:00Z", stageDelayMs: 20, ...options }) });
  if (!res.ok) throw new Error(`sim start failed: ${await res.text()}`);
  const info = (await res.json()) as { id: string; url: string; adminToken: string; userToken: string };
  return {
    ...info,
    async control<T>(action: Record<string, unknown>) {
      const r = await fetch(`/__sim/${info.id}/control`, { method: "POST", body: JSON.stringify(action) });
      const body = (await r.json()) as { result?: T; error?: string };
      if (!r.ok) throw new Error(body.error ?? "control failed");
      return body.result as T;
    },
    async stop() {
      await fetch(`/__sim/${info.id}/stop`, { method: "POST" });
    },
  };
}

type Falsy = undefined | null | false;

/** Polls `fn` (sync or async: a promise is awaited, never taken as the truthy answer) until it gives a truthy value. */
export async function waitFor<T>(fn: () => T | Falsy | Promise<T | Falsy>, what: string, timeoutMs = 15000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** All text in an element's shadow trees, for assertions about what a user sees. */
export function deepText(node: Node): string {
  let out = "";
  const walk = (n: Node) => {
    if (n.nodeType === Node.TEXT_NODE) out += n.textContent;
    if (n instanceof Element && n.shadowRoot) walk(n.shadowRoot);
    for (const c of Array.from(n.childNodes)) walk(c);
  };
  walk(node);
  return out.replace(/\s+/g, " ");
}

/** A button by its visible label, searched through every shadow root under `root`. */
export function findButton(root: ParentNode, label: string | RegExp): HTMLButtonElement {
  const all: HTMLButtonElement[] = [];
  const walk = (r: ParentNode) => {
    for (const el of Array.from(r.querySelectorAll("*"))) {
      if (el instanceof HTMLButtonElement) all.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(root);
  const text = (b: HTMLButtonElement) => b.textContent!.trim();
  const found = all.find((b) => (typeof label === "string" ? text(b) === label : label.test(text(b))));
  if (!found) throw new Error(`no button ${label}`);
  return found;
}

/**
 * Runs `action` and returns the text of the file it downloads through a hidden <a download>
 * (the Blob URL is read before the page revokes it; nothing is saved to disk).
 */
export async function captureDownload(action: () => void, what = "download"): Promise<{ name: string; text: string }> {
  let href = "";
  let name = "";
  const grab = (e: Event) => {
    const a = e.target as HTMLAnchorElement;
    if (a instanceof HTMLAnchorElement && a.download) {
      e.preventDefault();
      href = a.href;
      name = a.download;
    }
  };
  document.addEventListener("click", grab, true);
  try {
    action();
    await waitFor(() => href, what);
  } finally {
    document.removeEventListener("click", grab, true);
  }
  return { name, text: await (await fetch(href)).text() };
}
