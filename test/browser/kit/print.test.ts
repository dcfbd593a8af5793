// The printable kit in Chromium: the hidden frame holds the facts, prints, and shows the QR code only
// when asked; the text kit downloads through a Blob URL that is revoked afterwards.
import { expect } from "@esm-bundle/chai";
import { downloadTextFile } from "../../../src/kit/download.js";
import { renderPrintableKit } from "../../../src/kit/print.js";
import { openPrintableKit } from "../../../src/kit/print-window.js";
import type { KitFacts } from "../../../src/kit/render.js";
import { waitFor } from "../../support/browser-sim.js";

const KEY = "AB12-CD34-EF56-GH78-IJ90-KL12-MN34";
const facts: KitFacts = {
  key: KEY,
  instanceName: "Lake Cabin",
  url: "http://homeassistant.local:8123",
  date: new Date("2025-01-15T14:05:00Z"),
  language: "en",
  timeZone: "UTC",
  generation: { number: 2, fingerprint: "7F3A-91C2-0B5E", startedAt: "2026-04-20T10:00:00Z" },
  backups: [],
};

describe("printable kit window", () => {
  afterEach(() => document.querySelectorAll("iframe").forEach((f) => f.remove()));

  it("prints a hidden frame holding the facts, without a QR code by default", async () => {
    let printed: Window | undefined;
    const frame = openPrintableKit(await renderPrintableKit(facts), { print: (w) => (printed = w), keep: true });
    expect(printed).to.equal(frame.contentWindow);
    const doc = frame.contentDocument!;
    expect(doc.querySelector("[data-kit-key]")!.textContent).to.equal(KEY);
    expect(doc.body.textContent).to.include("Lake Cabin").and.include("7F3A-91C2-0B5E").and.include("Stored where:");
    expect(doc.querySelector("svg")).to.equal(null);
    expect(frame.getAttribute("aria-hidden")).to.equal("true");
    expect(frame.getBoundingClientRect().right).to.be.at.most(0, "the frame is off-screen");
  });

  it("draws the QR code only when the user opts in, with the warning next to it", async () => {
    const frame = openPrintableKit(await renderPrintableKit(facts, { includeQrCode: true }), { print: () => {}, keep: true });
    const doc = frame.contentDocument!;
    const svg = doc.querySelector("svg")!;
    expect(svg).to.not.equal(null);
    expect(svg.getAttribute("data-qr-modules")).to.equal("25");
    expect(doc.querySelector("figcaption")!.textContent).to.include("Anyone who can see this QR code");
    // Laid out as a square of real size (38 mm ≈ 144 CSS px).
    const box = svg.getBoundingClientRect();
    expect(Math.round(box.width)).to.equal(Math.round(box.height));
    expect(box.width).to.be.greaterThan(100);
  });

  it("removes the frame after printing", async () => {
    const frame = openPrintableKit(await renderPrintableKit(facts), { print: (w) => w.dispatchEvent(new Event("afterprint")) });
    expect(frame.isConnected).to.equal(false);
  });
});

describe("downloading the text kit", () => {
  it("uses a Blob URL on a hidden link, never a data: URL, and revokes it", async () => {
    const created: string[] = [];
    const revoked: string[] = [];
    const clicked: { href: string; download: string }[] = [];
    const origCreate = URL.createObjectURL;
    const origRevoke = URL.revokeObjectURL;
    const origClick = HTMLAnchorElement.prototype.click;
    URL.createObjectURL = (b: Blob | MediaSource) => {
      const u = origCreate(b);
      created.push(u);
      return u;
    };
    URL.revokeObjectURL = (u: string) => {
      revoked.push(u);
      origRevoke(u);
    };
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      clicked.push({ href: this.href, download: this.download });
    };
    try {
      downloadTextFile("kit.txt", `key ${KEY}`, undefined, 0);
      expect(clicked).to.have.length(1);
      expect(clicked[0]!.href.startsWith("blob:")).to.equal(true);
      expect(clicked[0]!.href).to.not.include(KEY);
      expect(clicked[0]!.download).to.equal("kit.txt");
      // The Blob holds the text until revoked.
      expect(await (await fetch(created[0]!)).text()).to.equal(`key ${KEY}`);
      expect(document.querySelector("a[download]")).to.equal(null);
      await waitFor(() => revoked.length > 0, "the blob URL revoked");
      expect(revoked).to.deep.equal(created);
    } finally {
      URL.createObjectURL = origCreate;
      URL.revokeObjectURL = origRevoke;
      HTMLAnchorElement.prototype.click = origClick;
    }
  });
});
