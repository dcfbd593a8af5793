import assert from "node:assert/strict";
import { test } from "node:test";
import { operationEndTracker, type ManagerStateEvent } from "../../../src/data/backup.js";

test("an operation ends when the manager returns to idle; the first frame and upload progress never end one", () => {
  const ended = operationEndTracker();
  const idle: ManagerStateEvent = { manager_state: "idle" };
  const running: ManagerStateEvent = { manager_state: "create_backup", stage: "home_assistant", state: "in_progress", reason: null };
  const progress: ManagerStateEvent = { manager_state: "create_backup", agent_id: "cloud.cloud", uploaded_bytes: 1, total_bytes: 2 };
  const seen = [idle, running, progress, { ...running, state: "completed" as const }, idle, idle].map(ended);
  assert.deepEqual(seen, [false, false, false, false, true, false]);
  // A subscription that starts mid-backup: its first frame is the running state, then idle ends it.
  const late = operationEndTracker();
  assert.deepEqual([running, idle].map(late), [false, true]);
});
