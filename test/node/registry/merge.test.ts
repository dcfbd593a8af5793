// Merging two devices' registries is a join: commutative, associative and idempotent, checked on
// random pairs and triples of states drawn from a small universe (so ids collide and the same
// copy carries different evidence on different sides: proofs and failures at different times,
// ruled-out generations, mismatches, deletion and "listed again" marks, earlier periods). Plus
// the facts a user relies on: no fact is lost, a copy's confidence only rises with evidence (a
// proof stays unless a later failure of the same key withdraws it), a withdrawn proof never comes
// back, a belief in a ruled-out generation never survives, a copy listed again stays listed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { copyFacts, evidenceOf, isLater, keepBelief, mergeStates, journalKey, settleEvidence, stampEvidence, type JournalFact, type RegistryState } from "../../../src/registry/merge.js";
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

// One instant written two ways (HA writes offsets): equal instants must join the same way on every side.
const TIMES = ["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-02-01T00:00:00+00:00", "2026-03-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z"];
const CONF: Confidence[] = ["verified", "observed", "inferred", "unknown", "unencrypted"];
const STATUS: GenerationStatus[] = ["pending", "active", "retired", "abandoned"];
const TYPES: JournalType[] = ["check_passed", "kit_proven", "backup_deleted", "key_changed"];
const GENS = ["g1", "g2", "g3"];

function randomCopy(r: ReturnType<typeof rng>, backupId: string, agentId: string): CopyRecord {
  const deletedAt = r.maybe(r.pick(TIMES));
  const listedAt = r.next() < 0.3 ? r.pick(TIMES) : undefined;
  const confidence = r.pick(CONF);
  const copy: CopyRecord = {
    instanceId: "i1",
    backupId,
    agentId,
    name: r.pick(["Automatic", "Manual"]),
    date: TIMES[1]!,
    size: r.pick([100, 200]),
    protected: r.next() < 0.9,
    generationId: confidence === "unknown" || confidence === "unencrypted" ? null : r.pick(GENS),
    confidence,
    lastCheck: r.next() < 0.5 ? { result: r.pick(["ok", "failed", "error", "other_key"] as const), at: r.pick(TIMES) } : null,
    deleted: deletedAt !== null && (listedAt === undefined || r.next() < 0.5),
    deletedAt,
    ...(listedAt !== undefined ? { listedAt } : {}),
    mismatch: r.next() < 0.1,
  };
  if (r.next() < 0.4) copy.ruledOut = GENS.filter(() => r.next() < 0.4);
  // Newer records carry timed evidence; older ones only lastCheck and ruledOut.
  if (r.next() < 0.6) {
    const evidence: NonNullable<CopyRecord["evidence"]> = {};
    for (const g of GENS) {
      if (r.next() < 0.5) continue;
      const ok = r.maybe(r.pick(TIMES));
      const failed = r.maybe(r.pick(TIMES));
      if (ok !== null || failed !== null) evidence[g] = { ...(ok !== null ? { ok } : {}), ...(failed !== null ? { failed } : {}) };
    }
    copy.evidence = evidence;
  }
  return copy;
}

function randomState(seed: number): RegistryState {
  const r = rng(seed);
  const instances: InstanceRecord[] = ["i1", "i2"]
    .filter(() => r.next() < 0.8)
    .map((id) => ({
      id,
      // Two ids per instance: its own, and a foreign one the earlier identity rule recorded.
      haInstanceId: r.maybe(r.pick([`ha-${id}`, `ha-${id}-foreign`])),
      urlKey: `http://ha|${r.pick(["Home", "House"])}`,
      name: r.pick(["Home", "House"]),
      url: "http://ha",
      firstSeenAt: r.pick(TIMES),
      lastReconciledAt: r.maybe(r.pick(TIMES)),
      noKey: r.next() < 0.2,
    }));
  const generations: GenerationRecord[] = GENS.filter(() => r.next() < 0.7).map((id, n) => ({
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
    ...(r.next() < 0.3 ? { earlierPeriods: [{ from: r.pick(TIMES), to: r.pick(TIMES) }] } : {}),
  }));
  const copies: CopyRecord[] = [];
  for (const backupId of ["b1", "b2", "b3"]) {
    for (const agentId of ["hassio.local", "cloud"]) {
      if (r.next() < 0.3) continue;
      copies.push(randomCopy(r, backupId, agentId));
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

const ROUNDS = 500;
const later = (a: string | undefined, b: string | undefined) => (a === undefined ? b : b === undefined ? a : isLater(b, a) ? b : a);
const same = (a: string | null | undefined, b: string | null | undefined) => (a == null ? b == null : b != null && !isLater(a, b) && !isLater(b, a));

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
      assert.deepEqual(mergeStates(mergeStates(a, b), c), mergeStates(mergeStates(c, a), b), `seed ${s}: any order`);
    }
  });

  it("is idempotent (merging a state with itself, or merging a part again, changes nothing)", () => {
    for (let s = 1; s <= ROUNDS; s++) {
      const a = mergeStates(randomState(s), randomState(s + 100_000));
      assert.deepEqual(mergeStates(a, a), a, `seed ${s}`);
      assert.deepEqual(mergeStates(a, randomState(s)), a, `seed ${s}: merging a part again`);
    }
  });

  it("loses no fact: records, journal entries, each side's latest evidence per key, deletion and listing marks, mismatches", () => {
    for (let s = 1; s <= ROUNDS; s++) {
      const a = randomState(s);
      const b = randomState(s + 100_000);
      const m = mergeStates(a, b);
      for (const side of [a, b]) {
        for (const g of side.generations) {
          const merged = m.generations.find((x) => x.id === g.id)!;
          assert.ok(merged, `seed ${s}: generation ${g.id} kept`);
          for (const p of g.earlierPeriods ?? [])
            assert.ok(
              merged.earlierPeriods?.some((q) => q.from === p.from && q.to === p.to),
              `seed ${s}: earlier period kept`,
            );
        }
        for (const j of side.journal)
          assert.ok(
            m.journal.some((x) => x.key === j.key),
            `seed ${s}: journal entry kept`,
          );
        for (const c of side.copies) {
          const merged = m.copies.find((x) => x.backupId === c.backupId && x.agentId === c.agentId)!;
          assert.ok(merged, `seed ${s}: copy kept`);
          const mine = evidenceOf(c);
          const theirs = evidenceOf(merged);
          for (const [g, e] of Object.entries(mine)) {
            assert.ok(same(later(theirs[g]?.ok, e.ok), theirs[g]?.ok), `seed ${s}: a proof of ${g} kept (at its latest)`);
            assert.ok(same(later(theirs[g]?.failed, e.failed), theirs[g]?.failed), `seed ${s}: a failure of ${g} kept`);
          }
          if (c.mismatch) assert.equal(merged.mismatch, true, `seed ${s}: mismatch kept`);
          if (c.deletedAt !== null) assert.ok(merged.deletedAt !== null && !isLater(c.deletedAt, merged.deletedAt), `seed ${s}: deletion mark kept`);
          if (c.listedAt !== undefined) assert.ok(merged.listedAt !== undefined && !isLater(c.listedAt, merged.listedAt), `seed ${s}: listing mark kept`);
          if (c.lastCheck) assert.ok(merged.lastCheck && !isLater(c.lastCheck.at, merged.lastCheck.at), `seed ${s}: the latest check kept`);
        }
      }
    }
  });

  it("a copy's confidence only rises with evidence: a proof stays proven unless the other side failed that key as late or later", () => {
    for (let s = 1; s <= ROUNDS; s++) {
      const a = mergeStates(randomState(s), randomState(s));
      const b = mergeStates(randomState(s + 100_000), randomState(s + 100_000));
      const m = mergeStates(a, b);
      for (const [side, other] of [
        [a, b],
        [b, a],
      ] as const) {
        for (const c of side.copies) {
          const merged = m.copies.find((x) => x.backupId === c.backupId && x.agentId === c.agentId)!;
          const o = other.copies.find((x) => x.backupId === c.backupId && x.agentId === c.agentId);
          // (Sides that disagree on what HA reported, encrypted or not, settle that first.)
          if (c.confidence === "verified" && merged.protected) {
            const g = c.generationId!;
            // Withdrawn only by a failure of g's own key as late as, or later than, every proof of g.
            const ok = later(evidenceOf(c)[g]!.ok!, o ? evidenceOf(o)[g]?.ok : undefined)!;
            const withdrawn = o !== undefined && evidenceOf(o)[g]?.failed !== undefined && !isLater(ok, evidenceOf(o)[g]!.failed!);
            const proven = settleEvidence(merged.evidence).proven;
            if (withdrawn) assert.ok(!proven.includes(g) && merged.generationId !== g, `seed ${s}: ${g} withdrawn`);
            else assert.ok(merged.confidence === "verified" && proven.includes(g), `seed ${s}: ${g} still proven`);
          }
          // Whatever is shown proven is proven by the evidence, and never ruled out.
          if (merged.confidence === "verified") assert.ok(!(merged.ruledOut ?? []).includes(merged.generationId!), `seed ${s}`);
        }
      }
    }
  });

  it("never keeps a belief in a generation the joined evidence rules out (keepBelief)", () => {
    for (let s = 1; s <= ROUNDS; s++) {
      const r = rng(s);
      const local = randomCopy(r, "b1", "hassio.local");
      const remote = randomCopy(r, "b1", "hassio.local");
      const kept = keepBelief(local, mergeStates({ instances: [], generations: [], copies: [local], journal: [] }, { instances: [], generations: [], copies: [remote], journal: [] }).copies[0]!);
      if (kept.generationId !== null) assert.ok(!(kept.ruledOut ?? []).includes(kept.generationId), `seed ${s}: ${kept.confidence} ${kept.generationId} with ${kept.ruledOut}`);
      if (kept.confidence === "verified") assert.ok(settleEvidence(kept.evidence).proven.includes(kept.generationId!), `seed ${s}`);
    }
  });
});

describe("registry merge (what a user sees)", () => {
  const copy = (over: Partial<CopyRecord>): CopyRecord => ({
    instanceId: "i1",
    backupId: "b1",
    agentId: "hassio.local",
    name: "Automatic",
    date: TIMES[1]!,
    size: 1,
    protected: true,
    generationId: "g1",
    confidence: "inferred",
    lastCheck: null,
    deleted: false,
    deletedAt: null,
    mismatch: false,
    ...over,
  });
  const state = (copies: CopyRecord[]): RegistryState => ({ instances: [], generations: [], copies, journal: [] });
  const merged = (...copies: CopyRecord[]) => copies.map((c) => state([c])).reduce((x, y) => mergeStates(x, y)).copies[0]!;

  it("a copy one device verified is verified after merging with a device that only guessed", () => {
    const proved = copy({ confidence: "verified", generationId: "g2", lastCheck: { result: "ok", at: TIMES[3]! } });
    const guessed = copy({ confidence: "inferred", generationId: "g1" });
    const m = merged(guessed, proved);
    assert.equal(m.confidence, "verified");
    assert.equal(m.generationId, "g2");
    assert.equal(m.mismatch, false, "a guess overruled by a proof is not a mismatch between two proofs");
  });

  it("a proof withdrawn by a later failure of the same key stays withdrawn after merging with the older proof, on every device", () => {
    // Device A proved g1, later g1's own key failed on the (changed) copy: the check withdrew it.
    const provenCopy = copy({ confidence: "verified", generationId: "g1", lastCheck: { result: "ok", at: TIMES[1]! } });
    const proven = stampEvidence(copy({}), provenCopy);
    const withdrawn = stampEvidence(proven, { ...proven, generationId: null, confidence: "unknown", lastCheck: { result: "failed", at: TIMES[3]! }, ruledOut: ["g1"] });
    // The mirror still holds the older proof.
    for (const m of [merged(withdrawn, proven), merged(proven, withdrawn), merged(proven, withdrawn, proven)]) {
      assert.equal(m.confidence, "unknown");
      assert.equal(m.generationId, null);
      assert.deepEqual(m.ruledOut, ["g1"]);
      assert.deepEqual(m.lastCheck, { result: "failed", at: TIMES[3] });
    }
    // A device that still guesses g1 by date does not keep that guess either.
    assert.equal(keepBelief(copy({ confidence: "observed", generationId: "g1" }), merged(withdrawn, proven)).confidence, "unknown");
    // And proving it again later makes it proven again everywhere.
    const again = stampEvidence(withdrawn, { ...withdrawn, generationId: "g1", confidence: "verified", lastCheck: { result: "ok", at: TIMES[4]! }, ruledOut: undefined });
    assert.equal(merged(proven, withdrawn, again).confidence, "verified");
  });

  it("a record from before timed evidence (verified g1 with g1 also ruled out) is settled by its last check", () => {
    const failedLast = copy({ confidence: "verified", generationId: "g1", ruledOut: ["g1"], lastCheck: { result: "failed", at: TIMES[3]! } });
    assert.equal(copyFacts(failedLast).confidence, "unknown");
    const okLast = copy({ confidence: "verified", generationId: "g1", ruledOut: ["g1"], lastCheck: { result: "ok", at: TIMES[3]! } });
    assert.equal(copyFacts(okLast).confidence, "verified");
  });

  it("two devices proving different generations for one copy keep a mismatch to show", () => {
    const a = stampEvidence(copy({}), copy({ confidence: "verified", generationId: "g1", lastCheck: { result: "ok", at: TIMES[1]! } }));
    const b = stampEvidence(copy({}), copy({ confidence: "verified", generationId: "g2", lastCheck: { result: "ok", at: TIMES[3]! } }));
    const m = merged(a, b);
    assert.equal(m.mismatch, true);
    assert.equal(m.confidence, "verified");
    assert.equal(m.generationId, "g2", "the later proof is listed");
    assert.deepEqual(merged(b, a), m, "the same whichever device merges");
  });

  it("a copy listed again after a deletion stays listed after merging with the device that saw it deleted", () => {
    const gone = copy({ deleted: true, deletedAt: TIMES[1]! });
    const back = copy({ deleted: false, deletedAt: TIMES[1]!, listedAt: TIMES[3]! });
    for (const m of [merged(gone, back), merged(back, gone), merged(gone, back, gone)]) assert.deepEqual([m.deleted, m.deletedAt, m.listedAt], [false, TIMES[1], TIMES[3]]);
    // Deleted again later: deleted everywhere.
    const goneAgain = copy({ deleted: true, deletedAt: TIMES[4]!, listedAt: TIMES[3]! });
    assert.equal(merged(back, goneAgain, gone).deleted, true);
  });

  it("a generation re-activated later on one device is active after the merge; kit marks keep the latest time", () => {
    const base: GenerationRecord = {
      id: "g1",
      instanceId: "i1",
      number: 1,
      fingerprint: "fp",
      status: "retired",
      origin: "observed",
      firstSeenAt: TIMES[0]!,
      activatedAt: TIMES[0]!,
      lastSeenActiveAt: TIMES[1]!,
      retiredAt: TIMES[1]!,
      kitDownloadedAt: TIMES[0]!,
      kitProvenAt: null,
      label: null,
    };
    const again: GenerationRecord = { ...base, status: "active", activatedAt: TIMES[3]!, retiredAt: null, lastSeenActiveAt: TIMES[4]!, kitProvenAt: TIMES[3]! };
    const m = mergeStates({ ...state([]), generations: [base] }, { ...state([]), generations: [again] }).generations[0]!;
    assert.deepEqual([m.status, m.activatedAt, m.retiredAt, m.lastSeenActiveAt, m.kitDownloadedAt, m.kitProvenAt], ["active", TIMES[3], null, TIMES[4], TIMES[0], TIMES[3]]);
  });

  it("an instance id one device corrected (a foreign id of the earlier rule) stays corrected after merging the stale record", () => {
    const stale: InstanceRecord = {
      id: "i1",
      haInstanceId: "f".repeat(32),
      urlKey: "http://ha|Home",
      name: "Home",
      url: "http://ha",
      firstSeenAt: TIMES[0]!,
      lastReconciledAt: TIMES[1]!,
      noKey: false,
    };
    // Its own id sorts before the foreign one: the larger id must not decide.
    const corrected: InstanceRecord = { ...stale, haInstanceId: "0".repeat(31) + "1", lastReconciledAt: TIMES[3]! };
    const instanceOf = (...xs: InstanceRecord[]) => xs.map((i) => ({ ...state([]), instances: [i] })).reduce((a, b) => mergeStates(a, b)).instances[0]!.haInstanceId;
    assert.equal(instanceOf(stale, corrected), corrected.haInstanceId);
    assert.equal(instanceOf(corrected, stale), corrected.haInstanceId);
    assert.equal(instanceOf(stale, corrected, stale), corrected.haInstanceId);
  });

  it('the same journal event recorded on two devices is one entry; 5 and "5" are different events', () => {
    const e = { instanceId: "i1", at: TIMES[0]!, type: "check_passed" as const, params: { generation: 5 } };
    const f = { ...e, params: { generation: "5" } };
    const m = mergeStates(
      { ...state([]), journal: [{ ...e, key: journalKey(e) }] },
      {
        ...state([]),
        journal: [
          { ...e, key: journalKey(e) },
          { ...f, key: journalKey(f) },
        ],
      },
    );
    assert.equal(m.journal.length, 2);
  });
});
