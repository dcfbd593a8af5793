// Every backup file the simulated HA serves is a real HA backup that opens with the key it was
// made with and not with another. Checked here with code that shares nothing with the writer
// (node:crypto for v2, @noble/hashes for v3's Argon2id and BLAKE2b).
import assert from "node:assert/strict";
import { createDecipheriv, createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { argon2id } from "@noble/hashes/argon2.js";
import { blake2b } from "@noble/hashes/blake2.js";
import type { BackupInfo } from "../../../src/data/backup.js";
import { startSimulatedHA, type SimHandle } from "../../../src/sim/main.js";
import { connectHA } from "../../support/ha-client.js";

function members(tar: Buffer): { name: string; data: Buffer }[] {
  const out = [];
  let at = 0;
  let paxPath: string | null = null;
  while (at + 512 <= tar.length && tar[at] !== 0) {
    const h = tar.subarray(at, at + 512);
    const size = parseInt(h.subarray(124, 136).toString("latin1").replace(/\0.*$/s, "").trim(), 8);
    const type = String.fromCharCode(h[156]!);
    const data = tar.subarray(at + 512, at + 512 + size);
    const name = paxPath ?? h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    paxPath = type === "x" ? (/path=([^\n]+)/.exec(data.toString("utf8"))?.[1] ?? null) : null;
    if (type === "0") out.push({ name, data });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const sha100 = (b: Buffer) => {
  for (let i = 0; i < 100; i++) b = createHash("sha256").update(b).digest();
  return b;
};

function v2Opens(member: Buffer, password: string): boolean {
  const key = sha100(Buffer.from(password, "utf8")).subarray(0, 16);
  const iv = sha100(Buffer.concat([key, member.subarray(32, 48)])).subarray(0, 16);
  const d = createDecipheriv("aes-128-cbc", key, iv);
  d.setAutoPadding(false);
  const first = d.update(member.subarray(48, 64));
  return first[0] === 0x1f && first[1] === 0x8b && first[2] === 0x08;
}

const PERSONAL = Buffer.from("SecureTarv3\0\0\0\0\0", "latin1");
function v3Opens(member: Buffer, password: string): boolean {
  const root = argon2id(Buffer.from(password, "utf8"), member.subarray(32, 48), { t: 8, m: 16384, p: 1, dkLen: 32 });
  const validation = blake2b(new Uint8Array(0), { key: root, salt: member.subarray(48, 64), personalization: PERSONAL, dkLen: 32 });
  return Buffer.from(validation).equals(member.subarray(64, 96));
}

let sim: SimHandle;
let keys: string[];
let info: BackupInfo;
before(async () => {
  // Nine backups across 18 months: all three keys, v2 and v3.
  sim = await startSimulatedHA({ port: 0, backups: 9, now: "2026-11-27T12:00:00Z" });
  keys = (await sim.control({ type: "demo_keys" })) as string[];
  const conn = await connectHA(sim.url, sim.adminToken);
  try {
    info = await conn.sendMessagePromise<BackupInfo>({ type: "backup/info" });
  } finally {
    conn.close();
  }
});
after(() => sim.close());

async function download(backupId: string, agentId: string, password?: string): Promise<Buffer> {
  const q = `agent_id=${encodeURIComponent(agentId)}${password ? `&password=${encodeURIComponent(password)}` : ""}`;
  const res = await fetch(`${sim.url}/api/backup/download/${backupId}?${q}`, { headers: { authorization: `Bearer ${sim.adminToken}` } });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

describe("served backup files", () => {
  it("are HA backup tars: backup.json first, inner archives, 10240-byte records", async () => {
    for (const b of info.backups) {
      const file = await download(b.backup_id, "hassio.nas");
      assert.equal(file.length % 10240, 0);
      const m = members(file);
      assert.equal(m[0]!.name, "./backup.json");
      const json = JSON.parse(m[0]!.data.toString("utf8"));
      assert.equal(json.slug, b.backup_id);
      assert.equal(json.protected, false);
      assert.equal(json.extra.instance_id, b.extra_metadata.instance_id);
      assert.ok(m.some((x) => x.name === "homeassistant.tar.gz"));
      const inner = gunzipSync(m.find((x) => x.name === "homeassistant.tar.gz")!.data);
      assert.ok(members(inner).some((x) => x.name === "data/configuration.yaml"));
    }
  });

  it("protected copies open with exactly the key that made them (v2 before 2026-04, v3 after)", async () => {
    // Download first: the Argon2id checks below block this process (and the server in it).
    const files: { date: string; id: string; ha: Buffer }[] = [];
    for (const b of info.backups) {
      if (!b.agents["hassio.local"]?.protected) continue;
      const ha = members(await download(b.backup_id, "hassio.local")).find((x) => x.name === "homeassistant.tar.gz")!.data;
      if (ha.subarray(0, 9).toString("latin1") !== "SecureTar") continue; // the mislabelled copy
      files.push({ date: b.date, id: b.backup_id, ha });
    }
    const seen = { v2: 0, v3: 0, generations: new Set<number>() };
    // Argon2id in pure JS takes about a second: check only the oldest and newest v3 file.
    const v3Files = files.filter((f) => f.ha[9] === 3);
    const checked = files.filter((f) => f.ha[9] !== 3 || f === v3Files[0] || f === v3Files.at(-1));
    for (const { date, id, ha } of checked) {
      const version = ha[9]!;
      const expectV3 = new Date(date).getTime() >= Date.UTC(2026, 3, 1);
      assert.equal(version, expectV3 ? 3 : 2, `${date} uses SecureTar v${expectV3 ? 3 : 2}`);
      const opens = keys.map((k) => (version === 3 ? v3Opens(ha, k) : v2Opens(ha, k)));
      assert.equal(opens.filter(Boolean).length, 1, `exactly one key opens ${id}`);
      seen[version === 3 ? "v3" : "v2"]++;
      seen.generations.add(opens.indexOf(true));
    }
    for (const f of files) assert.equal(f.ha[9], new Date(f.date).getTime() >= Date.UTC(2026, 3, 1) ? 3 : 2);
    assert.ok(seen.v2 > 0 && seen.v3 > 0, "both formats are exercised");
    assert.deepEqual([...seen.generations].sort(), [0, 1, 2], "all three keys are exercised");
  });

  it("one copy says protected but holds plaintext members (the reported HA bug)", async () => {
    const mislabelled = [];
    for (const b of info.backups) {
      for (const [agentId, a] of Object.entries(b.agents)) {
        if (!a.protected) continue;
        const ha = members(await download(b.backup_id, agentId)).find((x) => x.name === "homeassistant.tar.gz")!.data;
        if (ha[0] === 0x1f && ha[1] === 0x8b) mislabelled.push(`${b.backup_id}/${agentId}`);
      }
    }
    assert.equal(mislabelled.length, 1);
  });

  it("decrypt on download streams plaintext members with the right key only", async () => {
    const b = info.backups.at(-1)!;
    const plain = await download(b.backup_id, "hassio.local", keys[2]);
    const m = members(plain);
    assert.equal(JSON.parse(m[0]!.data.toString()).protected, false);
    assert.ok(gunzipSync(m.find((x) => x.name === "homeassistant.tar.gz")!.data).length > 0);
    const wrong = await fetch(`${sim.url}/api/backup/download/${b.backup_id}?agent_id=hassio.local&password=${encodeURIComponent(keys[0]!)}`, {
      headers: { authorization: `Bearer ${sim.adminToken}` },
    });
    // Core streams what it decrypted so far: 200, then the stream stops (see core-differences.test.ts).
    assert.equal(wrong.status, 200);
    assert.ok(!members(Buffer.from(await wrong.arrayBuffer())).some((x) => x.name === "homeassistant.tar.gz"));
  });
});
