// HA dates backups by its clock, the registry's periods are this browser's: near a period's
// boundary a backup may have been made on the other side of it, so there it is at most a guess.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLOCK_MARGIN_MS, assignCopy } from "../../../src/registry/assign.js";
import type { CopyRecord, GenerationRecord } from "../../../src/registry/model.js";

const T0 = Date.UTC(2026, 0, 1);
const iso = (min: number) => new Date(T0 + min * 60_000).toISOString();
const M = CLOCK_MARGIN_MS / 60_000;

function gen(id: string, number: number, from: number, to: number, status: GenerationRecord["status"], origin: GenerationRecord["origin"] = "observed"): GenerationRecord {
  return {
    id,
    instanceId: "i",
    number,
    fingerprint: id.repeat(64).slice(0, 64),
    status,
    origin,
    firstSeenAt: iso(from),
    activatedAt: iso(from),
    lastSeenActiveAt: iso(to),
    retiredAt: null,
    kitDownloadedAt: null,
    kitProvenAt: null,
    label: null,
  };
}

const copy = (min: number): CopyRecord => ({
  instanceId: "i",
  backupId: `b${min}`,
  agentId: "hassio.local",
  name: "b",
  date: iso(min),
  size: 1,
  protected: true,
  generationId: null,
  confidence: "unknown",
  lastCheck: null,
  deleted: false,
  deletedAt: null,
  mismatch: false,
});

describe("the clock margin", () => {
  it("is a few minutes", () => {
    assert.ok(M >= 1 && M <= 15, `${M} minutes`);
  });

  it("inside a period that is over: observed only away from both ends", () => {
    // Key A seen from 0 to 100 min, then a change elsewhere seen at 200 min.
    const gens = [gen("a", 1, 0, 100, "retired"), gen("b", 2, 200, 300, "active", "elsewhere")];
    const at = (min: number) => assignCopy(copy(min), gens);
    assert.deepEqual([at(50).generationId, at(50).confidence], ["a", "observed"]);
    assert.deepEqual([at(M / 2).generationId, at(M / 2).confidence], ["a", "inferred"], "just after the first look: HA's clock may run ahead");
    assert.deepEqual([at(100 - M / 2).generationId, at(100 - M / 2).confidence], ["a", "inferred"], "just before the last look: may have been made after it");
    assert.deepEqual([at(150).generationId, at(150).confidence], [null, "unknown"], "the unseen change lies somewhere in the gap");
  });

  it("the period active now ends 'now': a backup listed now was made before it, so only its start has a margin", () => {
    const gens = [gen("a", 1, 0, 100, "active")];
    assert.equal(assignCopy(copy(100 - M / 2), gens).confidence, "observed");
    assert.equal(assignCopy(copy(100 + M / 2), gens).confidence, "observed", "HA's clock a little ahead of ours");
    assert.equal(assignCopy(copy(M / 2), gens).confidence, "inferred");
  });

  it("around our own commit: the old key just before it, the new one after, both only as guesses near it", () => {
    // Old key last seen at 100; our flow committed at 150 and HA has held our key since.
    const gens = [gen("a", 1, 0, 100, "retired"), gen("f", 2, 150, 300, "active", "flow")];
    const at = (min: number) => assignCopy(copy(min), gens);
    assert.deepEqual([at(120).generationId, at(120).confidence], ["a", "inferred"]);
    assert.deepEqual([at(150 + M / 2).generationId, at(150 + M / 2).confidence], ["f", "inferred"]);
    assert.deepEqual([at(150 + 2 * M).generationId, at(150 + 2 * M).confidence], ["f", "observed"]);
  });
});
