// Just enough tar reading for the simulated HA's own checks (HA reads the first inner archive
// of a stored backup when it validates a password). Independent of src/tar on purpose.
export interface Member {
  name: string;
  data: Uint8Array;
}

export function tarMembers(file: Uint8Array): Member[] {
  const out: Member[] = [];
  const dec = new TextDecoder();
  let at = 0;
  let paxPath: string | null = null;
  while (at + 512 <= file.length) {
    const h = file.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const field = (o: number, l: number) => dec.decode(h.subarray(o, o + l)).replace(/\0.*$/s, "");
    const size = parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1);
    const data = file.subarray(at + 512, at + 512 + size);
    if (type === "x") {
      const m = /\d+ path=([^\n]*)\n/.exec(dec.decode(data));
      paxPath = m ? m[1]! : null;
    } else {
      const prefix = field(345, 155);
      const name = paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
      paxPath = null;
      if (type === "0" || type === "") out.push({ name, data });
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** HA checks the first member that is an inner archive. */
export function firstInnerArchive(file: Uint8Array): Member | null {
  return tarMembers(file).find((m) => /\.(tar|tgz|tar\.gz)$/.test(m.name)) ?? null;
}
