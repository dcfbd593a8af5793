// src/data/backup.ts gives the rest of the client one shape whatever the HA version: checked
// against the simulated HA at the versions whose answers differ (core files named per test).
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { fetchBackupAgents, fetchBackupConfig, fetchBackupInfo, type ManagerStateEvent } from "../../../src/data/backup.js";
import { compareHaVersions, backupFeatures, haVersionAtLeast } from "../../../src/data/ha-version.js";
import { loadInstance } from "../../../src/data/instance.js";
import { Registry } from "../../../src/registry/registry.js";
import { startSimulatedHA } from "../../../src/sim/main.js";
import { copyRows } from "../../../src/ui/model/panel-model.js";
import { closeAfterTest, closeOpened, connectHA } from "../../support/ha-client.js";

afterEach(closeOpened);

async function simAt(haVersion: string, backups = 3) {
  const s = closeAfterTest(await startSimulatedHA({ port: 0, backups, haVersion, stageDelayMs: 1, now: "2026-11-27T12:00:00Z" }));
  const c = closeAfterTest(await connectHA(s.url, s.adminToken));
  return { s, c };
}

describe("one shape for every HA version (src/data/backup.ts)", () => {
  it("HA 2025.1: backups get an agents map, the state comes from the event stream, agents get names, the schedule its newer form", async () => {
    // 2025.1 manager.py ManagerBackup: agent_ids + protected/size; websocket.py handle_info has no
    // state (handle_subscribe_events sends manager.last_event first); backup_agents_info no name;
    // config.py BackupSchedule(state=…).
    const { s, c } = await simAt("2025.1.4");
    const info = await fetchBackupInfo(c);
    assert.equal(info.state, "idle");
    assert.equal(info.last_action_event, null);
    assert.equal(info.next_automatic_backup, null);
    for (const b of info.backups) {
      assert.ok(b.agents["hassio.local"] && b.agents["hassio.nas"], "agents map with every location that holds it");
      assert.ok(!("agent_ids" in b) && !("protected" in b) && !("size" in b));
      assert.deepEqual(b.extra_metadata, {});
      assert.ok(Object.values(b.agents).every((a) => typeof a.protected === "boolean" && a.size > 0));
    }
    // The panel's table reads it without throwing (Object.entries(b.agents)).
    const { agents } = await fetchBackupAgents(c);
    assert.deepEqual(
      agents.find((a) => a.agent_id === "hassio.nas"),
      { agent_id: "hassio.nas", name: "nas" },
    );
    assert.equal(
      copyRows(info, agents, { thisSystem: "This system", title: () => undefined }).length,
      info.backups.reduce((n, b) => n + Object.keys(b.agents).length, 0),
    );
    // backup/details (no product code reads it; the simulated HA answers it in 2025.1's shape).
    const details = await c.sendMessagePromise<{ backup: { agent_ids: string[]; protected: boolean } | null }>({ type: "backup/details", backup_id: info.backups[0]!.backup_id });
    assert.ok(details.backup?.agent_ids.includes("hassio.local") && typeof details.backup.protected === "boolean", "2025.1's agent_ids and protected");
    const { config } = await fetchBackupConfig(c);
    assert.deepEqual(config.agents, {});
    assert.deepEqual(config.schedule, { days: [], recurrence: "daily", time: null });
    await c.sendMessagePromise({ type: "backup/config/update", schedule: "wed" });
    assert.deepEqual((await fetchBackupConfig(c)).config.schedule, { days: ["wed"], recurrence: "custom_days", time: null });
    // While a backup runs, the state is what the event stream says.
    await s.control({ type: "set_manager_state", state: { manager_state: "create_backup", stage: null, state: "in_progress" } });
    assert.equal((await fetchBackupInfo(c)).state, "create_backup");
    await s.control({ type: "set_manager_state", state: { manager_state: "idle" } });
  });

  it("HA 2025.1: loading the instance and folding it into the registry works", async () => {
    const { s, c } = await simAt("2025.1.4");
    const snapshot = await loadInstance(c);
    assert.ok(snapshot.backup);
    const reg = await Registry.open(`shapes-${process.pid}`);
    try {
      const r = await reg.reconcile(c, s.url);
      const copies = await reg.copies(r.instanceId);
      assert.equal(
        copies.length,
        snapshot.backup.info.backups.reduce((n, b) => n + Object.keys(b.agents).length, 0),
      );
      // 2025.1 had no per-location encryption: every copy is the one encrypted file.
      assert.ok(copies.some((c2) => c2.agentId === "hassio.nas") && copies.every((c2) => c2.protected));
    } finally {
      reg.close();
    }
  });

  it("last_non_idle_event (before 2025.4) comes back as last_action_event", async () => {
    // Renamed in core (FE 0e8be25a60, HA 2025.4); fetchBackupInfo maps the old name.
    for (const haVersion of ["2025.2.0", "2025.4.0"]) {
      const { c } = await simAt(haVersion, 1);
      const raw = await c.sendMessagePromise<Record<string, unknown>>({ type: "backup/info" });
      assert.ok(haVersion === "2025.2.0" ? "last_non_idle_event" in raw : "last_action_event" in raw, haVersion);
      let finished!: () => void;
      const idle = new Promise<void>((r) => (finished = r));
      let first = true;
      const unsub = await c.subscribeMessage<ManagerStateEvent>(
        (ev) => {
          if (!first && ev.manager_state === "idle") finished();
          first = false;
        },
        { type: "backup/subscribe_events" },
      );
      await c.sendMessagePromise({ type: "backup/generate", agent_ids: ["hassio.local"], name: "Mapped", password: "p" });
      await idle;
      await unsub();
      const info = await fetchBackupInfo(c);
      assert.deepEqual(info.last_action_event, { manager_state: "create_backup", reason: null, stage: null, state: "completed" }, haVersion);
      assert.ok(!("last_non_idle_event" in info));
    }
  });
});

describe("the version table (src/data/ha-version.ts)", () => {
  it("orders pre-releases below their release, as AwesomeVersion does", () => {
    const ordered = ["2026.2.3", "2026.3.0.dev20260201", "2026.3.0b0", "2026.3.0b1", "2026.3.0rc1", "2026.3.0", "2026.3.1", "2026.10.0"];
    for (let i = 1; i < ordered.length; i++) assert.ok(compareHaVersions(ordered[i - 1]!, ordered[i]!) < 0, `${ordered[i - 1]} < ${ordered[i]}`);
    assert.equal(compareHaVersions("2025.4", "2025.4.0"), 0);
  });

  it("Supervisor's SecureTar v3 needs core ≥ 2026.3.0 (a beta is below); API features follow the release line", () => {
    assert.equal(backupFeatures("2026.3.0b1").secureTarVersion, 2);
    assert.equal(backupFeatures("2026.3.0").secureTarVersion, 3);
    // A 2026.4 beta runs 2026.4's code: it has 2026.4's upload progress.
    assert.equal(backupFeatures("2026.4.0b2").uploadProgress, true);
    assert.equal(haVersionAtLeast("2025.12.0.dev0", "2025.12"), true);
    assert.equal(haVersionAtLeast("2025.11.3", "2025.12"), false);
  });

  it("says when each difference arrived", () => {
    const f = (v: string) => backupFeatures(v);
    assert.deepEqual([f("2025.1.4").backupLocationsMap, f("2025.2.0").backupLocationsMap], [false, true]);
    assert.deepEqual([f("2025.2.5").blockedState, f("2025.3.0").blockedState], [false, true]);
    assert.deepEqual([f("2025.5.3").subscribeUserData, f("2025.6.0").subscribeUserData], [false, true]);
    assert.deepEqual([f("2025.5.3").failedAddonsFolders, f("2025.6.0").failedAddonsFolders], [false, true]);
  });
});
