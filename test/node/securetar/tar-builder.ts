// Builds small tar archives by hand for tests: ustar headers (octal or GNU base-256 sizes), PAX
// records, padding to 512-byte blocks.
export interface HeaderOpts {
  type?: string;
  prefix?: string;
  base256?: boolean;
}

export function tarHeader(name: string, size: number, opts: HeaderOpts = {}): Uint8Array {
  const h = Buffer.alloc(512);
  h.write(name, 0, "utf8");
  h.write("0000644\0", 100, "latin1");
  if (opts.base256) {
    h[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  } else h.write(Math.min(size, 0o77777777777).toString(8).padStart(11, "0") + "\0", 124, "latin1");
  h.fill(0x20, 148, 156);
  h.write(opts.type ?? "0", 156, "latin1");
  h.write("ustar\0" + "00", 257, "latin1");
  if (opts.prefix) h.write(opts.prefix, 345, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
  return h;
}

export function paxRecords(records: Record<string, string>): Uint8Array {
  let text = "";
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
    text += `${len}${body}`;
  }
  return Buffer.from(text, "utf8");
}

export function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

export const END_BLOCKS = new Uint8Array(1024);

/** A whole archive of (name, bytes) members followed by the two end blocks. */
export function tarOf(members: [string, Uint8Array][]): Uint8Array {
  return concat(...members.flatMap(([name, data]) => [tarHeader(name, data.length), padded(data)]), END_BLOCKS);
}

/**
 * A complete HA-style backup around the given inner archives: backup.json (slug, name, date,
 * `protected`) listing each archive as an app/add-on, so the completeness check is satisfied.
 */
export function backupOf(members: [string, Uint8Array][], protectedFlag: boolean): Uint8Array {
  const json = {
    slug: "b4c0ffee",
    name: "Test backup",
    date: "2026-11-27T03:00:00+00:00",
    version: 2,
    protected: protectedFlag,
    compressed: !members.some(([name]) => name.endsWith(".tar")),
    homeassistant: null,
    folders: [],
    addons: members.map(([name]) => ({ slug: name.replace(/\.tar(\.gz)?$/, "") })),
  };
  return tarOf([["./backup.json", Buffer.from(JSON.stringify(json))], ...members]);
}
