// The import validator looks at a file's own fields only: names inherited from Object.prototype
// ("constructor", "toString", "__proto__") are unknown fields, wherever they appear.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseExport } from "../../../src/registry/exchange.js";
import { RegistryError } from "../../../src/registry/model.js";

const at = "2026-11-27T10:00:00.000Z";
const base = () => ({
  format: "backup-keyring-registry",
  version: 1,
  exportedAt: at,
  salt: `${"A".repeat(43)}=`,
  instances: [{ id: "i1", haInstanceId: null, urlKey: "http://ha.local:8123", name: "Home", url: "http://ha.local:8123", firstSeenAt: at, lastReconciledAt: null, noKey: false }],
  generations: [] as unknown[],
  copies: [] as unknown[],
  journal: [{ instanceId: "i1", at, type: "imported", params: { generations: 1 } }] as Record<string, unknown>[],
});

/** JSON text with one extra own field named `name` in the object at `where`. */
function withField(where: (doc: ReturnType<typeof base>) => Record<string, unknown>, name: string): string {
  const doc = base();
  const target = where(doc);
  // JSON.parse makes "__proto__" an own property; so does defineProperty here for the others.
  Object.defineProperty(target, name, { value: "x", enumerable: true, configurable: true, writable: true });
  return JSON.stringify(doc);
}

describe("import validator: own properties only", () => {
  it("a clean file passes", () => {
    assert.equal(parseExport(JSON.stringify(base())).instances.length, 1);
  });

  for (const name of ["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf"]) {
    it(`"${name}" is rejected at the top level, in a record and in journal params`, () => {
      for (const [where, path] of [
        [(d: ReturnType<typeof base>) => d as unknown as Record<string, unknown>, `$.${name}`],
        [(d: ReturnType<typeof base>) => d.instances[0] as Record<string, unknown>, `$.instances[0].${name}`],
        [(d: ReturnType<typeof base>) => d.journal[0]!.params as Record<string, unknown>, `$.journal[0].params.${name}`],
      ] as const) {
        const text = withField(where, name);
        assert.ok(text.includes(`"${name}"`), "the field is in the file");
        assert.throws(
          () => parseExport(text),
          (e: unknown) => e instanceof RegistryError && /unknown_field|invalid_field/.test(e.code) && (e.params as { path?: string }).path === path,
          `${name} at ${path}`,
        );
      }
    });
  }
});

describe("import validator: what HA can report", () => {
  it("takes location ids and backup names as HA allows them (`<domain>.<unique_id>`, free text), as the mirror does", () => {
    const doc = base();
    const copy = {
      instanceId: "i1",
      backupId: "b|1 with spaces",
      agentId: "webdav.Müller's NAS (Büro) ✓",
      name: `Before upgrading — “${"x".repeat(1500)}”`,
      date: at,
      size: 1,
      protected: false,
      generationId: null,
      confidence: "unencrypted",
      lastCheck: null,
      deleted: false,
      deletedAt: null,
      mismatch: false,
    };
    doc.copies.push(copy);
    assert.deepEqual(parseExport(JSON.stringify(doc)).copies, [copy]);
    // Control characters (our map keys' separator) and absurd lengths stay refused.
    for (const agentId of ["a\u0000b", "a".repeat(1001)]) {
      const bad = base();
      bad.copies.push({ ...copy, agentId });
      assert.throws(
        () => parseExport(JSON.stringify(bad)),
        (e) => e instanceof RegistryError && e.code === "import_invalid_field" && e.params.path === "$.copies[0].agentId",
      );
    }
  });
});
