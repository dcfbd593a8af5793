// Merging two devices' registries is a join: commutative, associative and idempotent, checked on
// random pairs and triples of states drawn from a small universe (so ids collide and the same
// copy carries different evidence on different sides). Plus the facts a user relies on: no
// record is lost, confidence only rises, a mismatch stays, a deletion stays.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mergeStates, journalKey, type JournalFact, type RegistryState } from "../../../src/registry/merge.js";
import type { Confidence, CopyRecord, GenerationRecord, GenerationStatus, InstanceRecord, JournalType } from "../../../src/registry/model.js";

/** A small seeded PRNG (mulberry32): failures are reproducible from the printed seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const maybe = <T>(x: T): T | null => (next() < 0.4 ? null : x);
  return { next, pick, maybe };
}

const TIMES = ["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z"];
const CONF: Confidence[] = ["verified", "observed", "inferred", "unknown", "unencrypted"];
const STATUS: GenerationStatus[] = ["pending", "active", "retired", "abandoned"];
const TYPES: JournalType[] = ["check_passed", "kit_proven", "backup_deleted", "key_changed"];

function randomState(seed: number): RegistryState {
  const r = rng(seed);
  const instances: InstanceRecord[] = ["i1", "i2"].filter(() => r.next() < 0.8).map((id) => ({
    id,
    haInstanceId: r.maybe(`ha-${id}`),
    urlKey: `http://ha|${r.pick(["Home", "House"])}`,
    name: r.pick(["Home", "House"]),
    url: "http://ha",
    firstSeenAt: r.pick(TIMES),
    lastReconciledAt: r.maybe(r.pick(TIMES)),
    noKey: r.next() < 0.2,
  }));
  const generations: GenerationRecord[] = ["g1", "g2", "g3"].filter(() => r.next() < 0.7).map((id, n) => ({
    id,
    instanceId: "i1",
    number: n + 1 + (r.next() < 0.1 ? 1 : 0),
    fingerprint: `fp-${id}`,
    status: r.pick(STATUS),
    origin: r.pick(["flow", "observed", "elsewhere", "imported"] as const),
    firstSeenAt: r.pick(TIMES),
    activatedAt: r.maybe(r.pick(TIMES)),
    lastSeenActiveAt: r.maybe(r.pick(TIMES)),
    retiredAt: r.maybe(r.pick(TIMES)),
    kitDownloadedAt: r.maybe(r.pick(TIMES)),
    kitProvenAt: r.maybe(r.pick(TIMES)),
    label: r.maybe(r.pick(["old", "new"])),
  }));
  const copies: CopyRecord[] = [];
  for (const backupId of ["b1", "b2", "b3"]) {
    for (const agentId of ["hassio.local", "cloud"]) {
      if (r.next() < 0.35) continue;
      const deleted = r.next() < 0.2;
      copies.push({
        instanceId: "i1",
        backupId,
        agentId,
        name: r.pick(["Automatic", "Manual"]),
        date: TIMES[1]!,
        size: r.pick([100, 200]),
        protected: r.next() < 0.9,
        generationId: r.maybe(r.pick(["g1", "g2", "g3"])),
        confidence: r.pick(CONF),
        lastCheck: r.next() < 0.5 ? { result: r.pick(["ok", "failed", "error"] as const), at: r.pick(TIMES) } : null,
        deleted,
        deletedAt: deleted ? r.pick(TIMES) : null,
        mismatch: r.next() < 0.1,
      });
    }
  }
  const journal: JournalFact[] = [];
  for (let i = 0; i < 4; i++) {
    if (r.next() < 0.5) continue;
    const e = { instanceId: "i1", at: r.pick(TIMES), type: r.pick(TYPES), params: { generation: r.pick([1, 2]) } };
    journal.push({ ...e, key: journalKey(e) });
  }
  return { instances, generations, copies, journal };
}

const ROUNDS = 400;

describe("registry merge (property tests)", () => {
  it("is commutative on random pairs", () => {
    for (let s = 1; s <= ROUNDS; s++) {
      const a = randomState(s);
      const b = randomState(s + 100_000);
      assert.deepEqual(mergeStates(a, b), mergeStates(b, a), `seed ${s}`);
    }
  });

  it("is associative on random triples", () => {
    for (let s = 1; s <= ROUNDS; s++) {
      const [a, b, c] = [randomState(s), randomState(s + 100_000), randomState(s + 200_000)];
      assert.deepEqual(mergeStates(mergeStates(a, b), c), mergeStates(a, mergeStates(b, c)), `seed ${s}`);
    }
  });

  it("is idempotent (merging a state with itself, or merging again, changes nothing)", () => {
    for (let s = 1; s <= ROUNDS; s++) {
      const a = mergeStates(randomState(s), randomState(s + 100_000));
      assert.deepEqual(mergeStates(a, a), a, `seed ${s}`);
      assert.deepEqual(mergeStates(a, randomState(s)), a, `seed ${s}: merging a part again`);
    }
  });

  it("loses no record, lowers no confidence, drops no mismatch and no deletion mark", () => {
    const rank: Record<Confidence, number> = { unencrypted: 0, unknown: 1, inferred: 2, observed: 3, verified: 4 };
    for (let s = 1; s <= ROUNDS; s++) {
      const a = randomState(s);
      const b = randomState(s + 100_000);
      const m = mergeStates(a, b);
      for (const side of [a, b]) {
        for (const g of side.generations) assert.ok(m.generations.some((x) => x.id === g.id), `seed ${s}: generation ${g.id} kept`);
        for (const j of side.journal) assert.ok(m.journal.some((x) => x.key === j.key), `seed ${s}: journal entry kept`);
        for (const c of side.copies) {
          const merged = m.copies.find((x) => x.backupId === c.backupId && x.agentId === c.agentId)!;
          assert.ok(merged, `seed ${s}: copy kept`);
          assert.ok(rank[merged.confidence] >= rank[c.confidence], `seed ${s}: ${c.confidence} → ${merged.confidence}`);
          if (c.mismatch) assert.equal(merged.mismatch, true);
          if (c.deleted) assert.equal(merged.deleted, true);
        }
      }
    }
  });
});

describe("registry merge (what a user sees)", () => {
  const copy = (over: Partial<CopyRecord>): CopyRecord => ({
    instanceId: "i1", backupId: "b1", agentId: "hassio.local", name: "Automatic", date: TIMES[1]!, size: 1, protected: true,
    generationId: "g1", confidence: "inferred", lastCheck: null, deleted: false, deletedAt: null, mismatch: false, ...over,
  });
  const state = (copies: CopyRecord[]): RegistryState => ({ instances: [], generations: [], copies, journal: [] });

  it("a copy one device verified is verified after merging with a device that only guessed", () => {
    const proved = copy({ confidence: "verified", generationId: "g2", lastCheck: { result: "ok", at: TIMES[2]! } });
    const guessed = copy({ confidence: "inferred", generationId: "g1" });
    const m = mergeStates(state([guessed]), state([proved])).copies[0]!;
    assert.equal(m.confidence, "verified");
    assert.equal(m.generationId, "g2");
    assert.equal(m.mismatch, false, "a guess overruled by a proof is not a mismatch between two proofs");
  });

  it("two devices proving different generations for one copy keep a mismatch to show", () => {
    const a = copy({ confidence: "verified", generationId: "g1", lastCheck: { result: "ok", at: TIMES[1]! } });
    const b = copy({ confidence: "verified", generationId: "g2", lastCheck: { result: "ok", at: TIMES[2]! } });
    const m = mergeStates(state([a]), state([b])).copies[0]!;
    assert.equal(m.mismatch, true);
    assert.equal(m.confidence, "verified");
    assert.deepEqual(mergeStates(state([b]), state([a])).copies[0], m, "the same whichever device merges");
  });

  it("a deletion seen on one device stays marked, with the earliest time", () => {
    const m = mergeStates(state([copy({ deleted: true, deletedAt: TIMES[3]! })]), state([copy({ deleted: true, deletedAt: TIMES[2]! }), copy({ backupId: "b2" })]));
    assert.deepEqual(m.copies.map((c) => [c.backupId, c.deleted, c.deletedAt]), [["b1", true, TIMES[2]], ["b2", false, null]]);
  });

  it("a generation re-activated later on one device is active after the merge; kit marks keep the latest time", () => {
    const base: GenerationRecord = {
      id: "g1", instanceId: "i1", number: 1, fingerprint: "fp", status: "retired", origin: "observed", firstSeenAt: TIMES[0]!,
      activatedAt: TIMES[0]!, lastSeenActiveAt: TIMES[1]!, retiredAt: TIMES[1]!, kitDownloadedAt: TIMES[0]!, kitProvenAt: null, label: null,
    };
    const again: GenerationRecord = { ...base, status: "active", activatedAt: TIMES[2]!, retiredAt: null, lastSeenActiveAt: TIMES[3]!, kitProvenAt: TIMES[2]! };
    const m = mergeStates({ ...state([]), generations: [base] }, { ...state([]), generations: [again] }).generations[0]!;
    assert.deepEqual([m.status, m.activatedAt, m.retiredAt, m.lastSeenActiveAt, m.kitDownloadedAt, m.kitProvenAt], ["active", TIMES[2], null, TIMES[3], TIMES[0], TIMES[2]]);
  });

  it("the same journal event recorded on two devices is one entry; 5 and \"5\" are different events", () => {
    const e = { instanceId: "i1", at: TIMES[0]!, type: "check_passed" as const, params: { generation: 5 } };
    const f = { ...e, params: { generation: "5" } };
    const m = mergeStates({ ...state([]), journal: [{ ...e, key: journalKey(e) }] }, { ...state([]), journal: [{ ...e, key: journalKey(e) }, { ...f, key: journalKey(f) }] });
    assert.equal(m.journal.length, 2);
  });
});
