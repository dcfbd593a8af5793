// How a reconciliation reads HA's listing (`listing.ts`): a bucket's digest changes with anything
// the per-copy rules read of its backups, and only that bucket's; the same listing read again
// (another page, another connection) gives the same digests; and however long the listing, each
// bucket's digest is what its backups alone give. A bucket whose digest did not change is not
// looked at, so a change this missed would leave a copy showing what HA no longer says.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BackupContent } from "../../../src/data/backup.js";
import { BUCKETS, bucketOf } from "../../../src/registry/copy-store.js";
import { listingDigests, readListing } from "../../../src/registry/listing.js";
import { backupInfo, listedBackup } from "../../support/listing.js";

const backup = (id: string): BackupContent =>
  listedBackup({
    id,
    date: "2026-11-01T03:00:00.000000+00:00",
    who: "automatic",
    ownId: "own",
    foreignId: "other",
    agents: { "hassio.local": { protected: true, size: 1000 }, "cloud.cloud": { protected: true, size: 1000 } },
  });

const digestsOf = async (backups: BackupContent[]) => (await listingDigests(backupInfo(backups))).digests;

describe("reading HA's listing", () => {
  const changes: [string, (b: BackupContent) => BackupContent][] = [
    ["another name", (b) => ({ ...b, name: `${b.name}!` })],
    ["another date", (b) => ({ ...b, date: "2026-11-01T03:00:01.000000+00:00" })],
    ["made by another instance", (b) => ({ ...b, extra_metadata: { ...b.extra_metadata, instance_id: "other" } })],
    ["no instance id", (b) => ({ ...b, extra_metadata: { with_automatic_settings: true } })],
    ["made by hand (HA's mark)", (b) => ({ ...b, with_automatic_settings: false })],
    ["no automatic mark (another instance's)", (b) => ({ ...b, with_automatic_settings: null })],
    ["made by hand (metadata)", (b) => ({ ...b, extra_metadata: { ...b.extra_metadata, with_automatic_settings: false } })],
    ["a failed location", (b) => ({ ...b, failed_agent_ids: ["hassio.nas"] })],
    ["a location more", (b) => ({ ...b, agents: { ...b.agents, "hassio.nas": { protected: true, size: 1000 } } })],
    ["a location less", (b) => ({ ...b, agents: { "hassio.local": b.agents["hassio.local"]! } })],
    ["another size", (b) => ({ ...b, agents: { ...b.agents, "cloud.cloud": { protected: true, size: 1001 } } })],
    ["a size past 2^32", (b) => ({ ...b, agents: { ...b.agents, "cloud.cloud": { protected: true, size: 1000 + 2 ** 32 } } })],
    ["not protected", (b) => ({ ...b, agents: { ...b.agents, "cloud.cloud": { protected: false, size: 1000 } } })],
    ["a letter moved between name and date", (b) => ({ ...b, name: `${b.name}2`, date: b.date.slice(1) })],
  ];

  for (const [what, change] of changes) {
    it(`${what}: the backup's bucket gets another digest, no other bucket does`, async () => {
      const backups = Array.from({ length: 300 }, (_, i) => backup(`b${i}`));
      const before = await digestsOf(backups);
      const target = 137;
      const after = await digestsOf(backups.map((b, i) => (i === target ? change(b) : b)));
      const k = bucketOf(`b${target}`);
      assert.notEqual(after[k], before[k]);
      assert.deepEqual(
        after.filter((_, j) => j !== k),
        before.filter((_, j) => j !== k),
      );
    });
  }

  it("a name holding the separators (NUL, SOH) is told apart from one split differently", async () => {
    const base = backup("x");
    const variants = ["a\u0000b", "a\u0001b", "a\u0001\u0002b", "a\u0001\u0003b", "a", "ab", "\u0001", ""].map((name) => ({ ...base, name }));
    const seen = new Set<string>();
    for (const v of variants) seen.add((await digestsOf([v]))[bucketOf("x")]!);
    assert.equal(seen.size, variants.length);
  });

  it("the same listing read again (a new page, a new connection) gives the same digests, a removed backup does not", async () => {
    const backups = Array.from({ length: 50 }, (_, i) => backup(`b${i}`));
    const again = JSON.parse(JSON.stringify(backups)) as BackupContent[];
    assert.deepEqual(await digestsOf(again), await digestsOf(backups));
    const fewer = await digestsOf(backups.slice(1));
    assert.notEqual(fewer[bucketOf("b0")], (await digestsOf(backups))[bucketOf("b0")]);
  });

  it("in a listing of thousands (read in slices), each bucket holds its backups in HA's order, digested as they alone would be", async () => {
    const backups = Array.from({ length: 4321 }, (_, i) => backup(`n${i}`));
    const whole = await listingDigests(backupInfo(backups));
    assert.equal(whole.digests.length, BUCKETS);
    for (const k of [0, 17, BUCKETS - 1]) {
      const own = backups.filter((b) => bucketOf(b.backup_id) === k);
      assert.deepEqual(whole.backups[k], own);
      assert.equal((await digestsOf(own))[k], whole.digests[k]);
    }
    assert.equal(whole.backups.flat().length, backups.length);
  });

  it("whose backups they are: the listing's own instance id, and its own backups on demand", async () => {
    const own = (id: string) => listedBackup({ id, date: "2026-11-01T03:00:00Z", who: "automatic", ownId: "own", foreignId: "other", agents: {} });
    const foreign = (id: string) => listedBackup({ id, date: "2026-11-01T03:00:00Z", who: "foreign", ownId: "own", foreignId: "other", agents: {} });
    const facts = readListing(backupInfo([own("a"), foreign("f"), own("b")]));
    assert.equal(facts.ownId, "own");
    assert.deepEqual(facts.ownListed(), ["a", "b"]);
  });
});
